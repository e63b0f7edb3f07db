/// spaCy's `URL_MATCH` (the tokenizer keeps a whole URL as one token), as a hand-written matcher
/// over one whitespace-free chunk: optional `scheme://`, optional `user[:password]@`, a host
/// (a public-looking IPv4 address, or dot-separated labels ending in a lowercase top-level
/// domain of 2–63 letters), an optional `:port` of 2–5 digits, and an optional path, query or
/// fragment starting with `/`, `?` or `#`.
enum URLMatch {
    static func matches(_ chunk: ArraySlice<Unicode.Scalar>, alphaLower: CharacterClass) -> Bool {
        // Both kinds of host (dotted labels, IPv4) have a dot: without one, nothing below can match.
        guard chunk.contains(".") else { return false }
        let scalars = Array(chunk)
        var starts = [0]
        if let scheme = schemeEnd(scalars) { starts.insert(scheme, at: 0) }
        for start in starts {
            var hostStarts: [Int] = []
            for index in stride(from: scalars.count - 1, through: start + 1, by: -1) where scalars[index] == "@" {
                hostStarts.append(index + 1)
            }
            hostStarts.append(start)
            for hostStart in hostStarts where hostAndRest(scalars, from: hostStart, alphaLower: alphaLower) { return true }
        }
        return false
    }

    /// The index after `://` when the chunk starts with `[\w+\-.]{2,}://`.
    private static func schemeEnd(_ scalars: [Unicode.Scalar]) -> Int? {
        var index = 0
        while index < scalars.count, isWord(scalars[index]) || scalars[index] == "+" || scalars[index] == "-" || scalars[index] == "." {
            index += 1
        }
        guard index >= 2, index + 3 <= scalars.count, scalars[index] == ":", scalars[index + 1] == "/", scalars[index + 2] == "/" else {
            return nil
        }
        return index + 3
    }

    private static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    private static func isLabel(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0xA1...0xFFFF: return true
        default: return false
        }
    }

    private static func hostAndRest(_ scalars: [Unicode.Scalar], from start: Int, alphaLower: CharacterClass) -> Bool {
        var end = start
        while end < scalars.count, isLabel(scalars[end]) || scalars[end] == "." || scalars[end] == "_" || scalars[end] == "-" {
            end += 1
        }
        let host = Array(scalars[start..<end])
        guard isIPv4(host) || isDomain(host, alphaLower: alphaLower) else { return false }
        var index = end
        if index < scalars.count, scalars[index] == ":" {
            var digits = index + 1
            while digits < scalars.count, PythonText.isDigit(scalars[digits]) { digits += 1 }
            guard (2...5).contains(digits - index - 1) else { return false }
            index = digits
        }
        if index == scalars.count { return true }
        return scalars[index] == "/" || scalars[index] == "?" || scalars[index] == "#"
    }

    private static func isDomain(_ host: [Unicode.Scalar], alphaLower: CharacterClass) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, let tld = parts.last, (2...63).contains(tld.count), tld.allSatisfy(alphaLower.contains) else { return false }
        for label in parts.dropLast() {
            guard !label.isEmpty, label.count <= 64, let first = label.first, let last = label.last, isLabel(first), isLabel(last) else {
                return false
            }
        }
        return true
    }

    private static func isIPv4(_ host: [Unicode.Scalar]) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        var values: [Int] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(PythonText.isDigit) else { return false }
            values.append(part.reduce(0) { $0 * 10 + Int($1.value - 48) })
        }
        guard parts[0].first != "0", (1...223).contains(values[0]), values[0] != 10, values[0] != 127 else { return false }
        if values[0] == 169 && values[1] == 254 || values[0] == 192 && values[1] == 168 { return false }
        if values[0] == 172, (16...31).contains(values[1]) { return false }
        return values[1] <= 255 && values[2] <= 255 && (1...254).contains(values[3])
    }
}
