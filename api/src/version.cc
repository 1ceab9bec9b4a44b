// shoal::Version(): the library's version, fixed when it was built.
#include "shoal/version.h"

namespace shoal {

const char* Version() { return SHOAL_VERSION_STRING; }

}  // namespace shoal
