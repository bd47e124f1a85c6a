// SwiftPM needs a source file to make a C target; the declaration in include/ is all there is.
#include "FuzzDriver.h"
