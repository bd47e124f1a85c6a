// The broker moved to its own library so that executables (gateway-bench) can start one
// without linking Swift Testing; re-exported so every test that imports TestHarness still
// sees `MosquittoBroker`, `readTextFile` and `directoryEntries` as before.
@_exported public import BrokerProcess
