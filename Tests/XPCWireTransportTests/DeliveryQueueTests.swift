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

extension TransportTests {
    /// The bookkeeping behind a connection's reading: the queue tells its producer when it fills,
    /// and requests in flight are found by id.
    @Suite struct ReadingBookkeeping {
        @Test func aPushReportsWhetherTheQueueStillHasRoom() async {
            let made = ConditionLock(0)
            let queue = DeliveryQueue<Int>(dispose: { _ in }, roomLimit: 2, onRoom: { made.withLock { $0 += 1 } })
            #expect(queue.push(1) == true)
            #expect(queue.push(2) == false)
            #expect(queue.hasRoom == false)
            // A take that makes room tells the producer, which may push again.
            #expect(await queue.next() == 1)
            #expect(made.withLock { $0 } == 1)
            #expect(queue.push(3) == false)
            queue.finish()
            #expect(queue.push(4) == false)
        }

        @Test func aPushHandedToAWaitingConsumerLeavesRoom() async {
            let queue = DeliveryQueue<Int>(dispose: { _ in }, roomLimit: 1)
            let consumer = Task { await queue.next() }
            #expect(await eventually { queue.waitingCount == 1 })
            #expect(queue.push(5) == true)
            #expect(await consumer.value == 5)
        }

        @Test func pendingRepliesAreFoundByIdInAnyOrder() {
            var pending = PendingReplies<String>()
            pending.insert("a", for: 1)
            pending.insert("b", for: 2)
            pending.insert("c", for: 3)
            #expect(pending.count == 3)
            #expect(pending.remove(2) == "b")
            #expect(pending.remove(2) == nil)
            #expect(pending.remove(1) == "a")
            #expect(pending.remove(7) == nil)
            // The first place is free again.
            pending.insert("d", for: 4)
            #expect(pending.count == 2)
            #expect(pending.removeAll().sorted() == ["c", "d"])
            #expect(pending.count == 0)
            #expect(pending.remove(3) == nil)
        }
    }
}
