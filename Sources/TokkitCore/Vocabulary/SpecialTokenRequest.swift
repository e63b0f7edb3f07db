/// A special token as a user names it: its text, and its id when they chose one.
///
/// Tokens without an id are numbered after the vocabulary's mergeable tokens, in the order given,
/// skipping ids that other requests chose: `<|endoftext|>` added to a 50,000-token vocabulary gets
/// 50,000. The same rule serves every command that takes `--special`.
public struct SpecialTokenRequest: Sendable, Hashable {
    public var text: String
    public var id: TokenID?

    public init(_ text: String, id: TokenID? = nil) {
        self.text = text
        self.id = id
    }

    /// The tokens with every id decided, counting up from `next` (the vocabulary's `mergeableEnd`).
    ///
    /// - Complexity: O(*n*) for *n* requests.
    public static func assign(_ requests: [SpecialTokenRequest], from next: TokenID) -> [SpecialToken] {
        let chosen = Set(requests.compactMap(\.id))
        var candidate = next
        return requests.map { request in
            if let id = request.id { return SpecialToken(request.text, id: id) }
            while chosen.contains(candidate) { candidate += 1 }
            defer { candidate += 1 }
            return SpecialToken(request.text, id: candidate)
        }
    }
}
