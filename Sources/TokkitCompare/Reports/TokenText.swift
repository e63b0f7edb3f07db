import TokkitCore

/// Token bytes as text a person can read in a table, a terminal or a tooltip.
public enum TokenText {
    /// One line of readable text for a token.
    ///
    /// Valid UTF-8 is shown as is, with whitespace made visible (`·` space, `→` tab, `↵` line feed,
    /// `␍` carriage return) and other control characters as `\u{..}`. A token that is not valid
    /// UTF-8 by itself (a character cut between tokens) is shown as `\xNN` per byte.
    ///
    /// ```swift
    /// TokenText.visible(Array(" world\n".utf8))   // "·world↵"
    /// TokenText.visible([0xE6, 0x97])             // "\\xE6\\x97"
    /// ```
    public static func visible(_ bytes: [UInt8]) -> String {
        guard UTF8Validation.firstInvalidOffset(bytes) == nil else {
            return bytes.map { "\\x" + hexByte($0, uppercase: true) }.joined()
        }
        var text = ""
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            switch scalar {
            case " ": text += "·"
            case "\t": text += "→"
            case "\n": text += "↵"
            case "\r": text += "␍"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                text += "\\u{\(String(scalar.value, radix: 16))}"
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text
    }

    /// Tokens in order, gathered so that each group's bytes are whole UTF-8 characters.
    ///
    /// Most groups are one token. Tokens that only together form whole characters (a CJK character
    /// split into byte tokens) make one group: a lone piece of a character has no text to show.
    /// Eight tokens that still do not make whole characters are not a split character: they
    /// become a group marked incomplete, as does an unfinished group at the end.
    ///
    /// - Complexity: O(total bytes); a group is checked only while it is incomplete.
    public static func characterGroups(_ ids: [TokenID], vocabulary: Vocabulary) -> [TokenGroup] {
        var groups: [TokenGroup] = []
        var group = TokenGroup()
        for id in ids {
            let bytes = vocabulary.bytes(of: id) ?? []
            group.tokens.append((id, bytes))
            group.bytes += bytes
            if UTF8Validation.firstInvalidOffset(group.bytes) == nil {
                groups.append(group)
                group = TokenGroup()
            } else if group.tokens.count >= 8 {
                group.complete = false
                groups.append(group)
                group = TokenGroup()
            }
        }
        if !group.tokens.isEmpty {
            group.complete = false
            groups.append(group)
        }
        return groups
    }

    /// `visible(bytes)`, cut to `limit` characters with an ellipsis when longer.
    public static func visible(_ bytes: [UInt8], limit: Int) -> String {
        let text = visible(bytes)
        guard text.count > limit else { return text }
        return String(text.prefix(max(0, limit - 1))) + "…"
    }

    /// The bytes in lowercase hex, separated by spaces: `68 65 6c 6c 6f`.
    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { hexByte($0, uppercase: false) }.joined(separator: " ")
    }

    private static func hexByte(_ byte: UInt8, uppercase: Bool) -> String {
        let digits = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
    }
}

/// One or more consecutive tokens whose bytes together are whole UTF-8 characters (see
/// `TokenText.characterGroups`).
public struct TokenGroup {
    public var tokens: [(id: TokenID, bytes: [UInt8])] = []
    /// The tokens' bytes, concatenated.
    public var bytes: [UInt8] = []
    /// `false` when the bytes are still not valid UTF-8 (a run of eight tokens, or the end).
    public var complete = true
}
