// Reads the TOML configuration file (toml++) into Config, strictly: unknown keys, wrong
// types and out-of-range values are errors that name the key and its line.
#pragma once

#include "config.h"

#include <optional>

namespace drover::config {

class ConfigLoader
{
public:
    // On failure returns nullopt and sets error to e.g.
    // "drover.toml:12:9: session.max-inflight: expected an integer from 1 to 65535".
    static std::optional<Config> loadFile(const QString &path, QString *error);
    static std::optional<Config> parse(const QByteArray &toml, const QString &sourceName, QString *error);
};

} // namespace drover::config
