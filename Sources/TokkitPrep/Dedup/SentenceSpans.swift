extension SpacyEnglishWordSplitter {
    /// The sentences spaCy's `sentencizer` finds in `scalars`, as scalar ranges from a sentence's
    /// first token to the end of its last (datatrove's `span_tokenize`: the whitespace between two
    /// sentences belongs to neither). A sentence ends at a token in the sentencizer's punctuation
    /// list; the next starts at the first following token that is neither punctuation (category P*)
    /// nor in that list (a run of spaces after the first is a token, and may start a sentence).
    ///
    /// - Complexity: O(n) in the number of scalars.
    func sentenceRanges(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        let tokens = tokenRanges(scalars)
        guard !tokens.isEmpty else { return [] }
        var starts = [0]
        var seenPeriod = false
        for (index, token) in tokens.enumerated() {
            let isEnd = token.count == 1 && sentenceEnd.contains(scalars[token.lowerBound])
            if seenPeriod, !isEnd, !scalars[token].allSatisfy(PythonText.isPunctuation) {
                starts.append(index)
                seenPeriod = false
            } else if isEnd {
                seenPeriod = true
            }
        }
        return starts.indices.map { number in
            let last = number + 1 < starts.count ? starts[number + 1] - 1 : tokens.count - 1
            return tokens[starts[number]].lowerBound..<tokens[last].upperBound
        }
    }
}
