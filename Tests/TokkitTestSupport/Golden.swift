import Foundation
import Tokkit

/// The golden files written by `scripts/reference/make_golden.py` with the real tiktoken 0.14.0.
public struct GoldenFile {
    public struct Fixture {
        public var sha256: String
        public var ordinary: [TokenID]
        public var allSpecial: [TokenID]?
        public var pieces: [Range<Int>]
    }

    public var pattern: String
    public var fixtures: [String: Fixture]

    public static func load(_ name: String) throws -> GoldenFile {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.path("Tests/TokkitTests/Golden/\(name)")))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let pattern = root["pattern"] as? String,
              let fixtures = root["fixtures"] as? [String: [String: Any]],
              let pieces = root["pieces"] as? [String: [[Int]]] else {
            throw TestSetupError("golden file \(name) does not have the expected shape")
        }
        var parsed: [String: Fixture] = [:]
        for (file, entry) in fixtures {
            parsed[file] = Fixture(
                sha256: entry["sha256"] as? String ?? "",
                ordinary: (entry["ordinary"] as? [Int] ?? []).map { TokenID($0) },
                allSpecial: (entry["all_special"] as? [Int]).map { $0.map { TokenID($0) } },
                pieces: (pieces[file] ?? []).map { $0[0]..<$0[1] })
        }
        return GoldenFile(pattern: pattern, fixtures: parsed)
    }
}
