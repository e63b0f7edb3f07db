// Paths, scratch folders, subprocesses, the reference libraries' runner and the shard helpers are in
// TokkitTestSupport, shared by the hermetic and the parity target; every test file sees them.
@_exported import TokkitTestSupport
