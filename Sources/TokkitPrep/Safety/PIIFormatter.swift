import Synchronization

/// datatrove's `PIIFormatter`: e-mail addresses, then public IPv4 addresses, replaced by fixed
/// placeholders used round-robin.
///
/// The counters carry over from one document to the next, as datatrove's `_replace_i` does
/// within a worker, so which placeholder a document gets depends on every replacement before it.
/// That is why the runner applies this stage in input order, after the parallel filters: the
/// output is the same for any number of threads, and the same as one datatrove task reading the
/// same files in the same order.
///
/// The counters sit behind a mutex, so the formatter is safely shareable; the runner calls it from
/// its one sequential tail, so the lock is never contended.
public final class PIIFormatter: Sendable {
    public let version: RuleVersion
    public let removeEmails: Bool
    public let removeIPs: Bool
    public let onlyPublicIPs: Bool
    public let emailReplacements: [String]
    public let ipReplacements: [String]
    private let emailPattern: ICUPattern
    private let ipPattern: ICUPattern
    /// The next placeholder of each kind (round-robin).
    private let next = Mutex<(email: Int, ip: Int)>((0, 0))

    public static let defaultEmailReplacements = ["email@example.com", "firstname.lastname@example.org"]
    public static let defaultIPReplacements = ["22.214.171.124", "126.96.36.199", "188.8.131.52", "184.108.40.206",
                                               "220.127.116.11", "18.104.22.168"]

    /// datatrove's e-mail regex; v0.2.0 had only `a-z` in the local-part and domain classes (fixed in May 2024).
    static func emailRegex(_ version: RuleVersion) -> String {
        let letters = version == .v0_2_0 ? "a-z" : "A-Za-z"
        let local = "[\(letters)0-9!#$%&'*+/=?^_`{|}~-]"
        let label = "[\(letters)0-9](?:[\(letters)0-9-]*[\(letters)0-9])?"
        let octet = "(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)"
        return "\\b\(local)+(?:\\.\(local)+)*@(?:(?:\(label)\\.)+\(label)|\\[(?:\(octet)\\.){3}(?:\(octet)|[\(letters)0-9-]*[\(letters)0-9]:)])"
    }

    static let ipRegex = "(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)"

    public init(version: RuleVersion, removeEmails: Bool = true, removeIPs: Bool = true, onlyPublicIPs: Bool = true,
                emailReplacements: [String] = PIIFormatter.defaultEmailReplacements,
                ipReplacements: [String] = PIIFormatter.defaultIPReplacements) throws(PrepError) {
        self.version = version
        self.removeEmails = removeEmails
        self.removeIPs = removeIPs
        self.onlyPublicIPs = onlyPublicIPs
        self.emailReplacements = emailReplacements.isEmpty ? Self.defaultEmailReplacements : emailReplacements
        self.ipReplacements = ipReplacements.isEmpty ? Self.defaultIPReplacements : ipReplacements
        do {
            emailPattern = try ICUPattern(Self.emailRegex(version))
            ipPattern = try ICUPattern(Self.ipRegex)
        } catch {
            throw .invalidConfiguration(error.description)
        }
    }

    /// The text with e-mails then IPs replaced; `counts` gets how many of each.
    /// - Throws: `PrepError.matchingFailed` when ICU gives up on the text: a document whose e-mails
    ///   or addresses cannot be found is not passed on as if it had none.
    public func format(_ text: String, counts: inout (emails: Int, ips: Int)) throws(PrepError) -> String {
        var found = (emails: 0, ips: 0)
        let formatted = try next.withLock { next throws(PrepError) in
            var text = text
            if removeEmails {
                text = try replace(text, emailPattern) { _ in
                    defer { next.email = (next.email + 1) % emailReplacements.count }
                    found.emails += 1
                    return emailReplacements[next.email]
                }
            }
            if removeIPs {
                text = try replace(text, ipPattern) { match in
                    guard let address = IPv4Address(match), !onlyPublicIPs || address.isGlobal else { return nil }
                    defer { next.ip = (next.ip + 1) % ipReplacements.count }
                    found.ips += 1
                    return ipReplacements[next.ip]
                }
            }
            return text
        }
        counts.emails += found.emails
        counts.ips += found.ips
        return formatted
    }

    private func replace(_ text: String, _ pattern: ICUPattern, _ replacement: (String) -> String?) throws(PrepError) -> String {
        let matches = try pattern.matches(text)
        guard !matches.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var position = 0
        for match in matches {
            let found = String(decoding: bytes[match], as: UTF8.self)
            guard let substitute = replacement(found) else { continue }
            output += bytes[position..<match.lowerBound]
            output += substitute.utf8
            position = match.upperBound
        }
        output += bytes[position...]
        return String(decoding: output, as: UTF8.self)
    }
}

/// An IPv4 address as Python's `ipaddress.ip_address` parses it (four decimal octets, no
/// leading zeros, each at most 255), with `is_global` as Python 3.11.7 defines it.
struct IPv4Address {
    let value: UInt32

    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  !(part.count > 1 && part.first == "0"), let octet = UInt32(part), octet <= 255 else { return nil }
            value = value << 8 | octet
        }
        self.value = value
    }

    /// `ipaddress._IPv4Constants._private_networks` of Python 3.11.7 (address, prefix length).
    static let privateNetworks: [(UInt32, Int)] = [
        (0x0000_0000, 8), (0x0A00_0000, 8), (0x7F00_0000, 8), (0xA9FE_0000, 16), (0xAC10_0000, 12), (0xC000_0000, 29),
        (0xC000_00AA, 31), (0xC000_0200, 24), (0xC0A8_0000, 16), (0xC612_0000, 15), (0xC633_6400, 24), (0xCB00_7100, 24),
        (0xF000_0000, 4), (0xFFFF_FFFF, 32),
    ]

    private func within(_ network: UInt32, _ prefix: Int) -> Bool {
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
        return value & mask == network & mask
    }

    /// Not private, and not in the shared address space 100.64.0.0/10.
    var isGlobal: Bool {
        !within(0x6440_0000, 10) && !Self.privateNetworks.contains { within($0.0, $0.1) }
    }
}
