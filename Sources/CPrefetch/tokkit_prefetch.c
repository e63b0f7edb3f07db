// Empty: the module is its header, whose one function is inline.
