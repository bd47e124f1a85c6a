import GatewayControl
import GatewayJSON
import Testing

@Suite("Control socket protocol")
struct ControlProtocolTests {
    @Test("plain words are requests")
    func plainWords() throws {
        #expect(try SocketRequest.parse(Array("status".utf8)) == SocketRequest(command: .status))
    }
}
