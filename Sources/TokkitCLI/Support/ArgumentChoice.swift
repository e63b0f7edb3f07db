import ArgumentParser

/// An option value from a closed set, typed by its raw value (`--format text|json|uint16|uint32`): the
/// enums every command takes.
///
/// Argument Parser's defaults for such an enum give the same strings, but list them through a key path
/// (`\.rawValue`) and an unspecialized `reduce` over `allCases`; the Swift runtime resolves those by
/// looking up the enum's `RawRepresentable` and its array's `Collection` conformance, and the first lookup
/// of each (type, protocol) pair in a process scans every conformance record of the static binary (~6,300,
/// ~230,000 instructions). Argument Parser builds every option of the command it parses, so a fresh
/// `tokkit encode` paid six such scans for its four enums. These two members give the same values
/// from code compiled for the concrete enum, without a lookup.
protocol ArgumentChoice: ExpressibleByArgument, CaseIterable, RawRepresentable where RawValue == String, AllCases == [Self] {}

extension ArgumentChoice {
    public static var allValueStrings: [String] { allCases.map { $0.rawValue } }

    /// Empty, as Argument Parser's default computes it: a value's description is its raw value, so help
    /// lists the values on one line instead of one described value per line.
    public static var allValueDescriptions: [String: String] { [:] }
}
