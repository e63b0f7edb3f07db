// The umbrella module: `import Tokkit` gives the whole public API, so a program that trains, encodes,
// shards or compares needs one import and one product. Each library below stays importable on its own
// for code that wants a narrower dependency (TokkitCore alone has no Foundation and no ICU).
@_exported import TokkitCore
@_exported import TokkitIO
@_exported import TokkitText
@_exported import TokkitFormats
@_exported import TokkitCorpus
@_exported import TokkitShards
@_exported import TokkitCompare
@_exported import TokkitPrep
