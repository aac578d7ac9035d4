// `droverd keys create|list|revoke`: the operator's side of API keys, run against the state
// directory droverd reads (--state-dir, else the --config file's state-dir, else the
// default). Like hash-password it runs before, and instead of, the gateway.
#pragma once

#include <QStringList>

namespace drover {

class KeysCommand
{
public:
    // arguments: everything after "keys". Returns the exit status: 0 done, 1 it could not
    // be done (unreadable key file, unknown key, I/O), 2 usage error.
    static int run(const QStringList &arguments);
};

} // namespace drover
