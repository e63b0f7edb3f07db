import TokkitCore

extension Tokenizer {
    /// The special-token rules of one `allowedSpecial` / `disallowedSpecial` pair, with their matchers
    /// built once.
    ///
    /// Why: building the matchers sorts and scans the special tokens; per call that is noise, but a
    /// caller that encodes fifty thousand short documents with the same rules (a batch from Python), or
    /// uses a vocabulary with a thousand special tokens (o200k_harmony), pays it per document.
    ///
    /// The matchers sit in one shared object, so that taking the rules for a call retains one
    /// reference rather than each matcher's arrays (four retains and releases a call, a tenth of
    /// encoding a short word from Python).
    public struct PreparedSpecials: Sendable {
        private let storage: Storage

        init(policy: SpecialTokenPolicy) {
            storage = Storage(policy: policy)
        }

        var policy: SpecialTokenPolicy { storage.policy }

        /// Every token of either rule: text in which none starts is encoded as ordinary text under
        /// these rules (nothing to refuse, nothing to encode as a special id).
        var anyToken: SpecialTokenMatcher { storage.anyToken }

        private final class Storage: Sendable {
            let policy: SpecialTokenPolicy
            let anyToken: SpecialTokenMatcher

            init(policy: SpecialTokenPolicy) {
                self.policy = policy
                anyToken = SpecialTokenMatcher(policy.allowed.tokens + policy.disallowed.tokens)
            }
        }
    }

    /// Builds the matchers for these rules (tiktoken's: `disallowed: .all` means every special token
    /// that is not allowed).
    public func prepareSpecials(allowed: SpecialTokenSet, disallowed: SpecialTokenSet) -> PreparedSpecials {
        PreparedSpecials(policy: SpecialTokenPolicy(vocabulary.specialTokens, allowed: allowed, disallowed: disallowed))
    }

    /// Encodes already-validated UTF-8 into `output` with prepared special-token rules, reusing
    /// `merger`'s cache and scratch space. The same ids as `encode(validUTF8:allowedSpecial:disallowedSpecial:…)`.
    package func encode(validUTF8 text: UnsafeBufferPointer<UInt8>, specials: PreparedSpecials,
                        merger: inout BytePairMerger, into output: inout [TokenID]) throws(EncodingError) {
        try encode(validUTF8: text, policy: specials.policy, base: 0, merger: &merger, into: &output)
    }
}
