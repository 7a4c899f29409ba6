import Logging
import MilterProtocol
import NIOCore

/// One MTA connection: bytes in, frames parsed, the protocol state machine consulted, events handed to the
/// filter session, responses written. All on the channel's event loop; asynchronous filter work (signing,
/// DNS) runs in a task and its answer comes back to the loop.
///
/// While an answer is outstanding, further commands wait in the frame parser: the MTA is waiting for us
/// anyway, and the session is never entered twice at once.
final class MilterChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var parser: MilterFrameParser
    private var machine: MilterStateMachine
    private let session: any MilterSession
    private var logger: Logger
    private var waitingForFilter = false
    private var closed = false
    private var output: [UInt8] = []

    init(parser: MilterFrameParser, configuration: MilterStateMachine.Configuration, session: any MilterSession, logger: Logger) {
        self.parser = parser
        self.machine = MilterStateMachine(configuration: configuration)
        self.session = session
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { parser.feed($0) }
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        processCommands(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !closed {
            closed = true
            session.connectionClosed()
            if machine.isInMessage {
                logger.info("MTA closed the connection in the middle of a message; nothing was changed in it")
            }
        }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            logger.warning("closing an idle MTA connection (no data for the idle timeout)")
            close(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.warning("connection error: \(error)")
        close(context: context)
    }

    private func processCommands(context: ChannelHandlerContext) {
        while !waitingForFilter && !closed {
            let command: MilterCommand?
            do { command = try parser.nextCommand() } catch {
                logger.error("milter protocol error, closing the connection (the MTA applies its default action): \(error)")
                close(context: context)
                return
            }
            guard let command else { return }
            perform(machine.receive(command), context: context)
        }
    }

    private func perform(_ action: MilterStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .ignore:
            break
        case .send(let responses):
            for response in responses { response.encode(into: &output) }
        case .close(let reason):
            switch reason {
            case .quit: logger.debug("MTA sent QUIT")
            case .protocolError(let error):
                logger.error("milter protocol error, closing the connection (the MTA applies its default action): \(error)")
            }
            close(context: context)
        case .deliver(let events, let replyExpected):
            guard let negotiated = machine.negotiated else { return }
            let eventContext = MilterEventContext(negotiated: negotiated, macros: machine.macros)
            var lastReply = MilterReply.continue
            for event in events {
                lastReply = session.handle(event, context: eventContext)
            }
            guard replyExpected else { return }
            switch lastReply {
            case .now(let responses):
                perform(machine.reply(responses), context: context)
            case .later(let work):
                waitingForFilter = true
                let loop = context.eventLoop
                let contextBox = NIOLoopBound(context, eventLoop: loop)
                let handlerBox = NIOLoopBound(self, eventLoop: loop)
                Task {
                    let responses = await work()
                    loop.execute {
                        let handler = handlerBox.value
                        let context = contextBox.value
                        handler.waitingForFilter = false
                        guard !handler.closed else { return }
                        handler.perform(handler.machine.reply(responses), context: context)
                        handler.flush(context: context)
                        handler.processCommands(context: context)
                        handler.flush(context: context)
                    }
                }
            }
        }
    }

    /// Writes everything produced so far in one write, so that the replies of one step leave together
    /// (a second small write would wait for a delayed ACK).
    private func flush(context: ChannelHandlerContext) {
        guard !output.isEmpty, !closed else { return }
        var buffer = context.channel.allocator.buffer(capacity: output.count)
        buffer.writeBytes(output)
        output.removeAll(keepingCapacity: true)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    private func close(context: ChannelHandlerContext) {
        flush(context: context)
        guard !closed else { return }
        closed = true
        session.connectionClosed()
        context.close(promise: nil)
    }
}
