// How the composer treats a command's payload: JSON (validated, sent as application/json)
// or plain text (not validated, sent as typed).
#pragma once

#include <QString>

namespace drover::ui {

enum class PayloadMode : quint8 {
    Json,
    Text,
};

// Stable names for settings and history ("json", "text"); unknown names read as Json.
inline QString payloadModeName(PayloadMode mode)
{
    return mode == PayloadMode::Text ? QStringLiteral("text") : QStringLiteral("json");
}

inline PayloadMode payloadModeFromName(const QString &name)
{
    return name == QLatin1String("text") ? PayloadMode::Text : PayloadMode::Json;
}

} // namespace drover::ui
