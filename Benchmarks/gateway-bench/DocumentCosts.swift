import Gateway
import GatewayControl
import NetServer

extension Bench {
    /// What each way of writing and reading a document costs, per document: the reason the
    /// Wi-Fi state payload, written on every update, keeps its byte writer while every other
    /// document goes through `JSONEncoder`.
    func documentCosts() {
        let status = benchStatus(12345)
        let at = WallClockTime.now
        var gateway = GatewayStatus()
        gateway.lastStatus = status
        gateway.updatesReceived = 12345
        let configuration = GatewayConfiguration()
        let count = options.quick ? 2_000 : 20_000
        let request = Array(#"{"command":"status","transaction":{"id":[1,2.50e1,"x"]}}"#.utf8)

        func cost(_ figure: String, _ body: () -> Int) {
            var rounds: [Double] = []
            var sink = 0
            for _ in 0..<5 {
                let start = nowNanoseconds()
                for _ in 0..<count { sink &+= body() }
                rounds.append(Double(nowNanoseconds() - start) / Double(count) / 1000)
            }
            report.add("documents", figure, "\(format(median(rounds), 2)) us (rounds \(format(rounds.min()!, 2))-\(format(rounds.max()!, 2)))")
            report.value("documents_" + figure.lowercased().filter { $0.isLetter || $0 == " " }.replacingSpaces(), median(rounds), decimals: 2)
            if sink == 42 { print("") }
        }
        cost("wlan state, byte writer") { WlanStatePayload.bytes(status, seq: 12345, receivedAt: at).count }
        cost("wlan state, JSONEncoder") { DocumentCoding.encode(WlanStatePayload.document(status, seq: 12345, receivedAt: at)).count }
        cost("status, JSONEncoder") { DocumentCoding.encode(gateway.statusData(configuration: configuration)).count }
        cost("health, JSONEncoder") { DocumentCoding.encode(gateway.healthPayload()).count }
        cost("control request, parsed") { (try? ControlRequest.parse(request, on: .topic))?.echo?.count ?? 0 }
    }
}

extension String {
    fileprivate func replacingSpaces() -> String { String(map { $0 == " " ? "_" : $0 }) }
}
