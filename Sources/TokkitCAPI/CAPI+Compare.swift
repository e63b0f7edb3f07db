import Foundation
import TokkitCompare
import TokkitCore

/// Compares tokenizers on files (what `tokkit compare --format json` prints) and returns the report
/// as `malloc`ed JSON text: `tokenizers` (ranked, with totals) and `files` (per-file results).
/// `timingMilliseconds` < 0 leaves out the speed measurement (a report that is the same every run).
@_cdecl("tk_compare")
public func tk_compare(
    _ tokenizers: UnsafePointer<OpaquePointer?>?, _ labels: UnsafePointer<UnsafePointer<CChar>?>?, _ tokenizerCount: Int,
    _ paths: UnsafePointer<UnsafePointer<CChar>?>?, _ pathCount: Int, _ extensions: UnsafePointer<CChar>?,
    _ timingMilliseconds: Int, _ output: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let output else { throw CFailure(.invalidArgument, "the output pointer is null") }
        let names = try strings(labels, tokenizerCount)
        guard tokenizerCount > 0, let tokenizers else { throw CFailure(.invalidArgument, "no tokenizers to compare") }
        var compared: [ComparedTokenizer] = []
        for index in 0..<tokenizerCount {
            compared.append(ComparedTokenizer(label: names[index], codec: try TokenizerHandle.from(tokenizers[index]).tokenizer))
        }
        let inputs = try strings(paths, pathCount)
        let endings = try string(extensions, "extensions").split(separator: ",").map(String.init)
        do {
            let files = try ComparedFile.collect(inputs, extensions: endings)
            let comparison = try Comparison.run(compared, on: files,
                                                timing: timingMilliseconds < 0 ? nil : .milliseconds(timingMilliseconds))
            output.pointee = strdup(ComparisonReport(comparison).json())
        } catch {
            throw CFailure(.compareError, "\(error)")
        }
    }
}
