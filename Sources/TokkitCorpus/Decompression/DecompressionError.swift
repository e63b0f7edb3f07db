/// Why compressed input could not be decompressed. Offsets count compressed bytes from the start of the file.
public enum DecompressionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The data is not valid for `format`: the library's `reason`, inside the member (gzip) or frame
    /// (zstd) that starts at `memberOffset`, at or before `byteOffset` (shortly before for gzip;
    /// zstd buffers its input and places the error only within the frame).
    case invalid(format: CompressionFormat, byteOffset: Int, memberOffset: Int, reason: String)
    /// The input ends at `byteOffset`, inside the member or frame that starts at `memberOffset`.
    case truncated(format: CompressionFormat, byteOffset: Int, memberOffset: Int)
    /// The decompressor could not get the memory it needs.
    case outOfMemory(format: CompressionFormat)

    public var description: String {
        switch self {
        case .invalid(let format, let byteOffset, let memberOffset, let reason):
            return "cannot decompress \(format) data in the \(format.memberName) starting at compressed byte offset \(memberOffset) "
                + "(bad data at or before byte \(byteOffset)): \(reason)"
        case .truncated(let format, let byteOffset, let memberOffset):
            return "truncated \(format) data: the input ends at compressed byte offset \(byteOffset), "
                + "inside the \(format.memberName) starting at byte \(memberOffset)"
        case .outOfMemory(let format):
            return "out of memory while decompressing \(format) data"
        }
    }
}
