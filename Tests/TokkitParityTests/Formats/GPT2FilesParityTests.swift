import Testing
import Tokkit

/// What tokkit writes as GPT-2's `encoder.json` + `vocab.bpe` passes tiktoken's own reader.
@Suite("GPT-2 files read by tiktoken")
struct GPT2FilesParityTests {
    @Test("tiktoken's data_gym_to_mergeable_bpe_ranks accepts the pair tokkit writes and rebuilds GPT-2's ranks")
    func tiktokenReadsThem() throws {
        let scratch = Scratch()
        let encoder = scratch.file("encoder.json")
        let merges = scratch.file("vocab.bpe")
        try GPT2Files.write(try Loaded.tokenizer("gpt2").vocabulary, encoderPath: encoder, mergesPath: merges)
        // tiktoken's own check (data_gym_to_mergeable_bpe_ranks) accepts the pair and rebuilds the same ranks.
        let output = try Reference.python("""
            import sys, os
            os.environ["TIKTOKEN_CACHE_DIR"] = ""
            from tiktoken.load import data_gym_to_mergeable_bpe_ranks, load_tiktoken_bpe
            ranks = data_gym_to_mergeable_bpe_ranks(sys.argv[1], sys.argv[2])
            print(ranks == load_tiktoken_bpe(sys.argv[3]))
            """, arguments: [merges, encoder, Repository.path("vocabularies/gpt2.tiktoken")])
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "True")
    }
}
