// The function is inline, in the header (the scanner loops inline it); this file gives the target a translation unit.
#include "tokkit_piece_ends.h"
