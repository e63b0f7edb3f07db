/// A token id. Ids are ranks for mergeable tokens and arbitrary (but unique) for special tokens.
///
/// 32 bits: the largest vocabularies in use (o200k, 200,019 ids) need more than 16, and every table,
/// shard width and file format in Tokkit is sized from this one type.
public typealias TokenID = UInt32
