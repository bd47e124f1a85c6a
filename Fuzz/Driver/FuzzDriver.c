// SwiftPM needs a source file to make a C target; the declarations in include/ are all there is.
#include "FuzzDriver.h"
