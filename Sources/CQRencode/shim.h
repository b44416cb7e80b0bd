#ifndef FPS_CQRENCODE_SHIM_H
#define FPS_CQRENCODE_SHIM_H
#include <qrencode.h>
#endif
