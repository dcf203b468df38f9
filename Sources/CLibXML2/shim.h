// libxml2 for the Reports module.
//
// libxml2 built with ICU includes the system's <unicode/ucnv.h>, whose enums clash with the ICU copy
// inside Foundation ("… is not present in definition of 'enum UErrorCode'"). Gait never touches
// libxml2's encoding handlers (only pointers to them pass through), so the ICU-dependent declarations
// are left out.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>
#include <libxml/globals.h>
#include <libxml/HTMLparser.h>
