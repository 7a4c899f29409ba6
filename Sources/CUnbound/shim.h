#ifndef DKIM_CUNBOUND_SHIM_H
#define DKIM_CUNBOUND_SHIM_H
#include <unbound.h>
#endif
