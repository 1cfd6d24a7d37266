import Testing
@testable import XPCWireTransport

extension TransportTests {
    /// The queue between a connection's thread and its consumers: how shared consumers (the
    /// server's workers) end when their owner cancels them, since their waits have no task
    /// cancellation handler of their own.
    @Suite struct DeliveryQueueCancellation {
        /// Starts `count` tasks waiting in `nextShared()` and returns them once all wait.
        private func waitingSharedConsumers(_ queue: DeliveryQueue<Int>, count: Int) async -> [Task<Int?, Never>] {
            let tasks = (0..<count).map { _ in Task { await queue.nextShared()?.element } }
            #expect(await eventually { queue.waitingCount == count })
            return tasks
        }

        @Test func cancellingSharedConsumersEndsEveryWaitAndEveryLaterOne() async throws {
            let queue = DeliveryQueue<Int>(dispose: { _ in })
            let waiting = await waitingSharedConsumers(queue, count: 3)
            queue.cancelSharedConsumers()
            for task in waiting { #expect(await task.value == nil) }
            // From now on a shared take ends at once, even with an element buffered…
            queue.push(7)
            #expect(await queue.nextShared() == nil)
            // …which stays for a single consumer (checked first, so that a failure cannot hang).
            #expect(queue.bufferedCount == 1)
            if queue.bufferedCount == 1 { #expect(await queue.next() == 7) }
        }

        /// (A single consumer that starts waiting ends every other wait, so here it waits first.)
        @Test func aSingleConsumerWaitingBesideThemIsNotEnded() async throws {
            let queue = DeliveryQueue<Int>(dispose: { _ in })
            let single = Task { await queue.next() }
            #expect(await eventually { queue.waitingCount == 1 })
            let shared = (0..<2).map { _ in Task { await queue.nextShared()?.element } }
            #expect(await eventually { queue.waitingCount == 3 })
            queue.cancelSharedConsumers()
            for task in shared { #expect(await task.value == nil) }
            #expect(queue.waitingCount == 1)
            queue.push(42)
            #expect(await single.value == 42)
        }

        @Test func taskCancellationStillEndsASingleConsumer() async throws {
            let queue = DeliveryQueue<Int>(dispose: { _ in })
            let single = Task { await queue.next() }
            #expect(await eventually { queue.waitingCount == 1 })
            single.cancel()
            #expect(await single.value == nil)
            #expect(queue.waitingCount == 0)
        }

        @Test func sharedConsumersStillTakeElementsInOrderUntilCancelled() async throws {
            let queue = DeliveryQueue<Int>(dispose: { _ in }, sequenced: { _ in true })
            for n in 0..<3 { queue.push(n) }
            var taken: [Int] = []
            var ordinals: [UInt64?] = []
            for _ in 0..<3 {
                let next = await queue.nextShared()
                taken.append(next?.element ?? -1)
                ordinals.append(next?.ordinal)
            }
            #expect(taken == [0, 1, 2])
            #expect(ordinals == [0, 1, 2])
            queue.cancelSharedConsumers()
            queue.push(3)
            #expect(await queue.nextShared() == nil)
        }
    }
}
