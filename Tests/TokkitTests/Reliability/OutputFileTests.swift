import Foundation
import Testing

/// `-o PATH` and the vocabulary folder under hostile conditions: special files at the destination,
/// a file-size limit, signals mid-run. Nothing under a final name may be partial; no `.partial` file
/// may survive a run that ended with a message.
@Suite("Failure: output files")
struct OutputFileTests {
    @Test("-o onto a character device writes through it and leaves the device node in place")
    func device() throws {
        let shell = FaultShell()
        let outcome = try shell.run("""
            mknod null c 1 3 || exit 9
            echo hello | "$TOKKIT" encode -o null; echo status=$?
            test -c null && echo still-a-device
            """)
        #expect(outcome.reported == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("still-a-device"), "\(outcome.stdout) \(outcome.stderr)")
    }

    @Test("-o onto a FIFO writes into the pipe and leaves the FIFO in place")
    func fifo() throws {
        let shell = FaultShell()
        let outcome = try shell.run("""
            mkfifo pipe || exit 9
            cat pipe > got &
            echo hello | "$TOKKIT" encode -o pipe; echo status=$?
            wait
            test -p pipe && echo still-a-fifo
            echo "got=$(cat got)"
            """)
        #expect(outcome.reported == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("still-a-fifo"))
        #expect(outcome.stdout.contains("got=31373 198"), "\(outcome.stdout)")
    }

    @Test("-o onto a symbolic link replaces its target and keeps the link; a dangling link is an error")
    func symlink() throws {
        let shell = FaultShell()
        let outcome = try shell.run("""
            echo old > real.txt && ln -s real.txt link || exit 9
            echo hello | "$TOKKIT" encode -o link; echo "first=$?"
            test -L link && echo still-a-link
            echo "real=$(cat real.txt)"
            ln -s missing/nowhere dangling
            echo hello | "$TOKKIT" encode -o dangling; echo status=$?
            """)
        #expect(outcome.stdout.contains("first=0"), "\(outcome.stderr)")
        #expect(outcome.stdout.contains("still-a-link"))
        #expect(outcome.stdout.contains("real=31373 198"))
        #expect(outcome.reported == 1)
        #expect(outcome.stderr.contains("dangling: cannot write: it is a symbolic link that cannot be followed"), "\(outcome.stderr)")
    }

    @Test("under ulimit -f, encode, count and train report 'File too large' and leave no partial file", arguments: [
        #"yes 'some words to encode' | head -c 300000 | "$TOKKIT" encode --format uint32 -o out.bin"#,
        #"seq 1 100000 > in.txt; "$TOKKIT" count in.txt -o out.counts --quiet"#,
        #""$TOKKIT" train "$FIXTURES" --vocab-size 2000 -o vocab --quiet"#,
    ])
    func fileSizeLimit(command: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run("ulimit -f 8; \(command); echo status=$?")
        #expect(outcome.reported == 1, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains("File too large"), "\(outcome.stderr)")
        #expect(!shell.files().contains { $0.hasSuffix(".partial") }, "\(shell.files())")
        #expect(!shell.files().contains { ["out.bin", "out.counts", "vocab/encoder.json", "vocab/vocab.bpe"].contains($0) }, "\(shell.files())")
    }

    @Test("SIGTERM and SIGINT remove the .partial file and end with the signal's status", arguments: ["TERM", "INT"])
    func signals(name: String) throws {
        let shell = FaultShell()
        // stdin is a FIFO the script holds open, so tokkit is mid-run, waiting for more input with its
        // output file open, when the signal comes. `set -m`: a background job of a script would otherwise
        // start with SIGINT ignored (POSIX), and an ignored signal is rightly left ignored.
        let outcome = try shell.run("""
            set -m
            mkfifo in || exit 9
            "$TOKKIT" encode -o out.txt --docs lines < in &
            pid=$!
            exec 3> in
            yes 'hello world' | head -c 3000000 >&3
            for i in $(seq 100); do test -e .out.txt.partial && break; sleep 0.1; done
            test -e .out.txt.partial && echo partial-seen
            sleep 0.5
            kill -\(name) $pid; wait $pid; echo status=$?
            exec 3>&-
            rm in
            """)
        #expect(outcome.stdout.contains("partial-seen"), "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.reported == (name == "TERM" ? 143 : 130), "\(outcome.stdout)")
        #expect(shell.files().isEmpty, "\(shell.files())")
    }
}
