/// Which datatrove a stage's rules follow.
///
/// FineWeb (April 2024) was filtered with datatrove **v0.2.0**; several rules have changed since
/// (reference §4.6): the Gopher stop-word count, the Gopher repetition line split, the FineWeb
/// filter's lines, stop characters and comparisons, the punctuation set, the e-mail regex. Each
/// stage takes a version so both recipes can be run and compared.
public enum RuleVersion: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// datatrove v0.2.0, as FineWeb ran it.
    case v0_2_0 = "v0.2.0"
    /// Today's datatrove (0.10), whose English word splitter is spaCy `blank("en")`.
    case current

    public var description: String { rawValue }
}
