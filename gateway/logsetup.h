// Log format and level for the executables: one line per message with time, level and
// category, so a log line says what happened and where.
#pragma once

#include <QString>

namespace drover {

// Levels: debug, info, warning, error. False if `level` is none of them.
bool applyLogLevel(const QString &level);
void installLogFormat();

} // namespace drover
