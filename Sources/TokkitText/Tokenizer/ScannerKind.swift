/// Which hand-written scanner a pre-tokenizer is, when `Tokenizer` runs a loop specialised for it
/// (`Tokenizer.encodeScanned`) instead of calling it through `any PreTokenizer`.
enum ScannerKind {
    case gpt2, cl100k, o200k, qwen2
    /// ICU, or a pre-tokenizer the caller supplied: reached through `forEachPiece`.
    case other

    init(of preTokenizer: any PreTokenizer) {
        switch preTokenizer {
        case is GPT2Scanner: self = .gpt2
        case is CL100kScanner: self = .cl100k
        case is O200kScanner: self = .o200k
        case is Qwen2Scanner: self = .qwen2
        default: self = .other
        }
    }
}
