import Foundation
import Testing

/// `kill -9` at seeded random moments: nothing under a final name is partial, and what is promised
/// resumable resumes to the same bytes as an uninterrupted run.
@Suite("Failure: kill -9")
struct KillTests {
    @Test("shard killed at seeded random moments resumes to shards byte-identical to an uninterrupted run", arguments: [11, 23, 42])
    func shardResume(seed: Int) throws {
        let shell = FaultShell()
        let outcome = try shell.run("""
            RANDOM=\(seed)
            for f in "$FIXTURES"/*.txt; do cat "$f"; done > in.txt
            for i in 1 2 3; do cat in.txt; done > corpus.txt
            "$TOKKIT" shard corpus.txt -o ref --docs lines --shard-tokens 2000 --threads 2 >/dev/null 2>&1 || exit 9
            kills=0
            for attempt in 1 2 3 4 5 6; do
              "$TOKKIT" shard corpus.txt -o out --docs lines --shard-tokens 2000 --threads 2 --resume >/dev/null 2>&1 & pid=$!
              sleep "0.$(( RANDOM % 10 ))$(( RANDOM % 10 ))"
              kill -9 $pid 2>/dev/null && kills=$((kills + 1))
              wait $pid 2>/dev/null
              # Whatever the moment, no final name may hold a partial file.
              for shard in out/*.bin; do
                [ -e "$shard" ] || continue
                "$TOKKIT" shard inspect "$shard" --documents 0 >/dev/null 2>&1 || echo "PARTIAL $shard"
              done
            done
            "$TOKKIT" shard corpus.txt -o out --docs lines --shard-tokens 2000 --threads 2 --resume >/dev/null 2>&1; echo status=$?
            echo "kills=$kills"
            (cd ref && sha256sum *.bin) > ref.sums; (cd out && sha256sum *.bin) > out.sums
            cmp -s ref.sums out.sums && echo identical
            "$TOKKIT" shard verify out >/dev/null && echo verified
            """)
        #expect(outcome.reported == 0, "\(outcome.stdout) \(outcome.stderr)")
        #expect(!outcome.stdout.contains("PARTIAL"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("identical"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("verified"), "\(outcome.stdout)")
    }
}
