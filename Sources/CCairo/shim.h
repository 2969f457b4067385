#ifndef NENSIM_CCAIRO_SHIM_H
#define NENSIM_CCAIRO_SHIM_H
// Cairo 2D drawing with its SVG, PDF and PNG (image) surfaces, from Debian's
// libcairo2-dev. Text uses Cairo's own font selection over fontconfig (fonts-dejavu-core).
#include <cairo.h>
#include <cairo-svg.h>
#include <cairo-pdf.h>
#endif
