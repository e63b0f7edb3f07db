import Foundation

/// The repository's `fixtures/` folder, which `tokkit compare` and `tokkit roundtrip` read when no
/// input is named.
///
/// Found from the running executable, not the working directory: `tokkit` built in a checkout lives
/// in `.build/<configuration>/`, so the checkout is one of its ancestors (the first that holds
/// `Package.swift` and `fixtures/`). The working directory's ancestors are tried after it, for a
/// `tokkit` installed elsewhere and run inside a checkout. It used to be looked for beside the
/// bundled vocabularies, where it never is, so a command without inputs failed everywhere.
public enum FixtureDirectory {
    /// The `fixtures/` path, or `nil` when neither the executable nor the working directory is inside a
    /// Tokkit checkout.
    public static func locate() -> String? {
        var starts: [URL] = []
        if let executable = Bundle.main.executableURL { starts.append(executable.resolvingSymlinksInPath().deletingLastPathComponent()) }
        starts.append(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent())
        starts.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        for start in starts {
            var folder = start.standardizedFileURL
            while true {
                let fixtures = folder.appendingPathComponent("fixtures")
                if isCheckout(folder), FileManager.default.fileExists(atPath: fixtures.appendingPathComponent("english-prose.txt").path) {
                    return fixtures.path
                }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        return nil
    }

    private static func isCheckout(_ folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path)
    }

    /// What to tell a user when `locate()` found nothing.
    public static let notFound = "no input given, and the repository's fixtures/ was not found above the tokkit executable "
        + "or the working directory; name the files or directories to check, e.g. `tokkit roundtrip path/to/text.txt`"
}
