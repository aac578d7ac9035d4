// What an identity may do with an application: read its events, send it commands.
#pragma once

#include "identity.h"

#include <QHash>
#include <QString>

namespace drover::auth {

enum class Permission {
    Read,
    Command
};

class AccessPolicy
{
public:
    enum class Decision {
        Allowed,
        UnknownApplication,
        Denied
    };

    struct ApplicationRules {
        bool anonymousRead = false;
        bool anonymousCommand = false;
    };

    void setApplication(const QString &name, ApplicationRules rules) { m_applications.insert(name, rules); }
    bool hasApplication(const QString &name) const { return m_applications.contains(name); }
    QStringList applications() const { return m_applications.keys(); }

    Decision check(const Identity &identity, const QString &application, Permission permission) const;

private:
    QHash<QString, ApplicationRules> m_applications;
};

} // namespace drover::auth
