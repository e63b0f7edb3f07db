/// Which hand-written scanner a pre-tokenizer is, when `Tokenizer` runs a loop specialised for it
/// (`Tokenizer.encodeScanned`) instead of calling it through `any PreTokenizer`.
///
/// o200k is not among them: in the specialised loop the optimiser left its word rules out of line,
/// 4% more instructions than through `forEachPiece` (callgrind, 3 MB of public_en and public_multi),
/// where gpt2 and cl100k went down by 6–9%.
enum ScannerKind {
    case gpt2, cl100k, qwen2
    /// o200k, ICU, or a pre-tokenizer the caller supplied: reached through `forEachPiece`.
    case other

    init(of preTokenizer: any PreTokenizer) {
        switch preTokenizer {
        case is GPT2Scanner: self = .gpt2
        case is CL100kScanner: self = .cl100k
        case is Qwen2Scanner: self = .qwen2
        default: self = .other
        }
    }
}
