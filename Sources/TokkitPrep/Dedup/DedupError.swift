/// Errors of the de-duplication stages, each naming what a user can fix.
public enum DedupError: Error, CustomStringConvertible, Equatable {
    /// A parameter out of its range.
    case invalidParameter(String)
    /// A scratch or output file could not be written or read back.
    case io(path: String, reason: String)
    /// A spilled signature run is shorter or longer than its record size allows.
    case corruptRun(path: String, byteCount: Int, recordSize: Int)

    public var description: String {
        switch self {
        case .invalidParameter(let message): return "invalid parameter: \(message)"
        case .io(let path, let reason): return "\(path): \(reason)"
        case .corruptRun(let path, let byteCount, let recordSize):
            return "\(path): \(byteCount) bytes is not a whole number of \(recordSize)-byte signature records (interrupted run? delete the scratch directory and rerun)"
        }
    }
}
