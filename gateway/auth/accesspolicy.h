// What an identity may do with an application: read its events, send it commands.
// Anonymous clients get what the application's `anonymous` rights say, and nothing where
// it says nothing. A named user (an API key's user, an access token's subject) gets the
// roles the application gives them as a member, on top of what anonymous clients may do
// there (credentials never take rights away).
#pragma once

#include "identity.h"

#include <QFlags>
#include <QHash>
#include <QString>
#include <QStringList>

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

    enum class Role {
        Reader = 0x1,    // subscribe to the application's events
        Publisher = 0x2, // send commands to its devices
        Admin = 0x4,     // both; reserved for managing the application
    };
    Q_DECLARE_FLAGS(Roles, Role)

    struct ApplicationRules {
        ApplicationRules() = default;
        // {read, command} still reads as the anonymous rights alone.
        ApplicationRules(bool read, bool command, QHash<QString, Roles> users = {})
            : anonymousRead(read)
            , anonymousCommand(command)
            , members(std::move(users))
        {}
        bool anonymousRead = false;
        bool anonymousCommand = false;
        QHash<QString, Roles> members; // user name -> roles
    };

    void setApplication(const QString &name, ApplicationRules rules) { m_applications.insert(name, rules); }
    bool hasApplication(const QString &name) const { return m_applications.contains(name); }
    QStringList applications() const { return m_applications.keys(); }

    Decision check(const Identity &identity, const QString &application, Permission permission) const;
    // Whether identity may read or command at least one application: a named user for whom
    // this is false is refused at CONNECT (v5 0x87, 3.1.1 code 5) rather than let in to be
    // refused everything.
    bool hasAnyAccess(const Identity &identity) const;

private:
    static bool allows(const ApplicationRules &rules, const Identity &identity, Permission permission);

    QHash<QString, ApplicationRules> m_applications;
};

Q_DECLARE_OPERATORS_FOR_FLAGS(AccessPolicy::Roles)

} // namespace drover::auth
