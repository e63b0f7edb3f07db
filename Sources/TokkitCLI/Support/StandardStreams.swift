import Foundation
import Tokkit
#if canImport(Glibc)
import Glibc
#endif

/// The one way every command writes to standard output and standard error.
///
/// Swift's `print` drops write errors and `FileHandle.write` traps on them, so a full disk, a closed
/// descriptor or a reader that went away either lost data silently or crashed. Here every write goes
/// through write(2) and is checked:
/// - a failure on stdout (`> /dev/full`, `>&-`) throws "cannot write to standard output: REASON", so
///   the command exits with status 1 and the message, never 0 with the data lost;
/// - a failure on stderr throws too (the message then has nowhere to go, but the status says it);
/// - a reader that stopped early (`| head`) ends the process as Unix tools end: temporary files are
///   removed and the process dies of SIGPIPE (status 141), with no message.
enum StandardStreams {
    /// Writes `bytes` to standard output.
    static func out(_ bytes: some Collection<UInt8>) throws(CLIError) {
        try Array(bytes).withUnsafeBufferPointer { bytes throws(CLIError) in try out(UnsafeRawBufferPointer(bytes)) }
    }

    /// Writes `bytes` to standard output as they lie in memory (a batch's uint32 ids), with no copy.
    static func out(_ bytes: UnsafeRawBufferPointer) throws(CLIError) {
        try write(bytes, to: STDOUT_FILENO, name: "standard output")
    }

    /// Writes `text` and a newline to standard output.
    static func print(_ text: String) throws(CLIError) {
        try out(Array((text + "\n").utf8))
    }

    /// Writes `text` to standard error as it is (progress redraws carry their own control codes).
    static func error(_ text: String) throws(CLIError) {
        try Array(text.utf8).withUnsafeBufferPointer { bytes throws(CLIError) in
            try write(UnsafeRawBufferPointer(bytes), to: STDERR_FILENO, name: "standard error")
        }
    }

    /// Throws when `inputs` read standard input (`-`) and the caller closed it (`<&-`).
    static func checkInput(_ inputs: [String]) throws(CLIError) {
        if inputs.contains("-"), Interruption.closedDescriptors.contains(STDIN_FILENO) {
            throw CLIError("<stdin>: cannot read: \(String(cString: strerror(EBADF)))")
        }
    }

    private static func write(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, name: String) throws(CLIError) {
        if Interruption.closedDescriptors.contains(descriptor) {
            throw CLIError("cannot write to \(name): \(String(cString: strerror(EBADF)))")
        }
        var offset = 0
        while offset < bytes.count {
            guard let start = bytes.baseAddress else { return }
            let written = Glibc.write(descriptor, start + offset, bytes.count - offset)
            if written >= 0 {
                offset += written
                continue
            }
            let code = errno
            if code == EINTR { continue }
            if code == EPIPE { Interruption.endQuietlyForBrokenPipe() }
            throw CLIError("cannot write to \(name): \(String(cString: strerror(code)))")
        }
    }
}

/// Prints a line to stderr (logs and summaries never go to stdout, which carries data).
func log(_ text: String) throws(CLIError) {
    try StandardStreams.error(text + "\n")
}

/// What the process does on SIGINT, SIGTERM, SIGHUP, SIGPIPE and SIGXFSZ, and about closed standard descriptors.
///
/// Outputs are written under temporary `.NAME.partial` names (``AtomicFileWriter``) and registered in
/// ``PartialFiles``. On SIGINT, SIGTERM or SIGHUP the handler only writes the signal's number to a pipe
/// (write(2) is async-signal-safe; taking a lock or freeing memory in a handler is not); a thread
/// waiting on that pipe removes every registered file and then dies of the same signal, so the shell
/// sees 130/143/129 as usual. SIGPIPE is ignored so that a write to a closed pipe fails with EPIPE and
/// ``StandardStreams`` can clean up before dying of it. SIGXFSZ is ignored so that a write over
/// `ulimit -f` fails with EFBIG ("File too large") and is reported like any other write error.
///
/// A standard descriptor closed by the caller (`>&-`, `<&-`) is taken by `/dev/null` at start, so that
/// no file opened later gets descriptor 1 and receives the data meant for stdout; the closure is
/// remembered and reported as the error it is when that stream is used.
enum Interruption {
    nonisolated(unsafe) static var closedDescriptors: Set<Int32> = []
    /// Write end of the self-pipe; set before any handler is installed, read by the handlers.
    nonisolated(unsafe) private static var pipeWriteEnd: Int32 = -1

    static func install() {
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(descriptor, F_GETFD) < 0 {
            closedDescriptors.insert(descriptor)
            let null = open("/dev/null", descriptor == STDIN_FILENO ? O_RDONLY : O_WRONLY)
            if null >= 0, null != descriptor {
                dup2(null, descriptor)
                close(null)
            }
        }
        signal(SIGXFSZ, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        // The signal mask is inherited across exec: a parent that blocked these (some test runners and
        // process launchers do) would leave SIGTERM pending forever, and the process unkillable but by SIGKILL.
        var handled = sigset_t()
        sigemptyset(&handled)
        for number in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&handled, number) }
        pthread_sigmask(SIG_UNBLOCK, &handled, nil)
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        pipeWriteEnd = ends[1]
        let readEnd = ends[0]
        let thread = Thread {
            var number: Int32 = 0
            while read(readEnd, &number, MemoryLayout<Int32>.size) != MemoryLayout<Int32>.size {}
            PartialFiles.removeAll()
            signal(number, SIG_DFL)
            kill(getpid(), number)
        }
        thread.start()
        for number in [SIGINT, SIGTERM, SIGHUP] {
            // A signal ignored by whoever started us (nohup, a background job) stays ignored.
            let previous = signal(number, SIG_IGN)
            if unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { continue }
            signal(number) { number in
                var value = number
                _ = write(Interruption.pipeWriteEnd, &value, MemoryLayout<Int32>.size)
            }
        }
    }

    /// Removes the temporary files and dies of SIGPIPE, as `cat` does when its reader goes away.
    static func endQuietlyForBrokenPipe() -> Never {
        PartialFiles.removeAll()
        signal(SIGPIPE, SIG_DFL)
        raise(SIGPIPE)
        _exit(141)
    }
}
