// The outcome of checking a device's password (DeviceRegistry::verifyPassword).
#pragma once

#include <QLatin1String>

namespace drover::registry {

// The distinct failures are for the log. What a client is told must not tell them apart,
// or it would reveal which devices exist.
enum class VerifyResult {
    Ok,
    UnknownApplication,
    UnknownDevice,
    Disabled,      // the password was right, but the device is disabled
    NoPasswordSet, // the device has no password-hash: it cannot log in with a password
    BadPassword,
};

// For log lines: "ok", "unknown application", ... Never contains a credential.
inline QLatin1String verifyResultName(VerifyResult result)
{
    switch (result) {
    case VerifyResult::Ok:
        return QLatin1String("ok");
    case VerifyResult::UnknownApplication:
        return QLatin1String("unknown application");
    case VerifyResult::UnknownDevice:
        return QLatin1String("unknown device");
    case VerifyResult::Disabled:
        return QLatin1String("device disabled");
    case VerifyResult::NoPasswordSet:
        return QLatin1String("no password set");
    case VerifyResult::BadPassword:
        return QLatin1String("bad password");
    }
    return QLatin1String("?");
}

} // namespace drover::registry
