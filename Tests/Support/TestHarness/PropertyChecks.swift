public import PropertyBased
public import Testing

// PropertyBased 2.0.1 runs the checked body under `try?`, so an error thrown inside it would
// pass unnoticed. These wrappers turn a thrown error into a recorded issue.

/// `propertyCheck` that records an error thrown by `body` as an issue.
public func checkProperty<InA, OutA>(
    count: Int = 100,
    input g0: Generator<OutA, some Sequence<InA>>,
    perform body: (OutA) async throws -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
) async {
    await propertyCheck(count: count, input: g0, perform: { a in
        do { try await body(a) } catch { Issue.record("unexpected error: \(error)", sourceLocation: sourceLocation) }
    }, sourceLocation: sourceLocation)
}

/// `propertyCheck` that records an error thrown by `body` as an issue.
public func checkProperty<InA, InB, OutA, OutB>(
    count: Int = 100,
    input g0: Generator<OutA, some Sequence<InA>>,
    _ g1: Generator<OutB, some Sequence<InB>>,
    perform body: (OutA, OutB) async throws -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
) async {
    await propertyCheck(count: count, input: g0, g1, perform: { a, b in
        do { try await body(a, b) } catch { Issue.record("unexpected error: \(error)", sourceLocation: sourceLocation) }
    }, sourceLocation: sourceLocation)
}

/// `propertyCheck` that records an error thrown by `body` as an issue.
public func checkProperty<InA, InB, InC, OutA, OutB, OutC>(
    count: Int = 100,
    input g0: Generator<OutA, some Sequence<InA>>,
    _ g1: Generator<OutB, some Sequence<InB>>,
    _ g2: Generator<OutC, some Sequence<InC>>,
    perform body: (OutA, OutB, OutC) async throws -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
) async {
    await propertyCheck(count: count, input: g0, g1, g2, perform: { a, b, c in
        do { try await body(a, b, c) } catch { Issue.record("unexpected error: \(error)", sourceLocation: sourceLocation) }
    }, sourceLocation: sourceLocation)
}
