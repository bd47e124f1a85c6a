/// The repository's root directory, from where this file is in it
/// (`Tests/Support/TestHarness/RepositoryRoot.swift`): tests read committed files from there.
public let repositoryRoot: String = #filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(4).joined(separator: "/")
