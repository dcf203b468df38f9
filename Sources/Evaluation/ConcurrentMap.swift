import Foundation

/// `transform` applied to every element, the elements spread over the machine's cores; the
/// results in the elements' order. When transforms throw, the error of the first such element
/// is rethrown.
///
/// For the bias audit's independent, CPU-bound pieces (each attribute's bootstraps, α and
/// tests): each is deterministic on its own, so the report is the same whatever runs where.
func concurrentMap<Element: Sendable, Mapped: Sendable>(_ elements: [Element],
                                                       _ transform: @Sendable (Element) throws -> Mapped) throws -> [Mapped] {
    guard elements.count > 1 else { return try elements.map(transform) }
    var outcomes = [Result<Mapped, any Error>?](repeating: nil, count: elements.count)
    outcomes.withUnsafeMutableBufferPointer { slots in
        // Sound: each iteration writes its own slot only, and all are done when this returns.
        nonisolated(unsafe) let slots = slots
        DispatchQueue.concurrentPerform(iterations: elements.count) { index in
            slots[index] = Result { try transform(elements[index]) }
        }
    }
    return try outcomes.map { try $0!.get() }
}
