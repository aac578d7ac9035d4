// AccessPolicy with members and roles, and the authenticator's refusal at CONNECT of a
// named user who may use no application at all.
#include "auth/accesspolicy.h"
#include "auth/apikeyverifier.h"
#include "auth/credentialauthenticator.h"

#include <QTest>

using namespace drover::auth;

Q_DECLARE_METATYPE(drover::auth::Permission)
Q_DECLARE_METATYPE(drover::auth::AccessPolicy::Decision)

namespace {

using Decision = AccessPolicy::Decision;
using Role = AccessPolicy::Role;

// Accepts every key for its user, so the tests see what the authenticator adds.
class AcceptingVerifier : public ApiKeyVerifier
{
public:
    void verify(const QString &user, const QByteArray &, QObject *context,
                std::function<void(const AuthVerdict &)> done) override
    {
        if (context && done)
            done(AuthVerdict::accept(Identity::named(user)));
    }
};

AccessPolicy policy()
{
    AccessPolicy p;
    AccessPolicy::ApplicationRules a;
    a.members.insert(QStringLiteral("reader"), Role::Reader);
    a.members.insert(QStringLiteral("publisher"), Role::Publisher);
    a.members.insert(QStringLiteral("admin"), Role::Admin);
    a.members.insert(QStringLiteral("both"), AccessPolicy::Roles(Role::Reader) | Role::Publisher);
    p.setApplication(QStringLiteral("a"), a);
    AccessPolicy::ApplicationRules b; // nobody's but dave's
    b.members.insert(QStringLiteral("dave"), Role::Reader);
    p.setApplication(QStringLiteral("b"), b);
    AccessPolicy::ApplicationRules open{true, false, {}}; // anyone may watch
    p.setApplication(QStringLiteral("open"), open);
    return p;
}

} // namespace

class TestAccessPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void check_data();
    void check();
    void hasAnyAccess();
    void connectRefusedWithoutAnyAccess();
};

void TestAccessPolicy::check_data()
{
    QTest::addColumn<QString>("user"); // empty: anonymous
    QTest::addColumn<QString>("application");
    QTest::addColumn<Permission>("permission");
    QTest::addColumn<Decision>("decision");
    const auto row = [](const char *user, const char *app, Permission p, Decision d) {
        QTest::addRow("%s %s %s", *user ? user : "anonymous", app, p == Permission::Read ? "read" : "command")
            << QString::fromLatin1(user) << QString::fromLatin1(app) << p << d;
    };
    const Permission R = Permission::Read;
    const Permission C = Permission::Command;
    row("reader", "a", R, Decision::Allowed);
    row("reader", "a", C, Decision::Denied);
    row("publisher", "a", R, Decision::Denied);
    row("publisher", "a", C, Decision::Allowed);
    row("admin", "a", R, Decision::Allowed);
    row("admin", "a", C, Decision::Allowed);
    row("both", "a", R, Decision::Allowed);
    row("both", "a", C, Decision::Allowed);
    row("reader", "b", R, Decision::Denied); // a member of a, not of b
    row("admin", "b", C, Decision::Denied);
    row("dave", "b", R, Decision::Allowed);
    row("stranger", "a", R, Decision::Denied);
    row("", "a", R, Decision::Denied); // anonymous only where the application opts in
    row("", "a", C, Decision::Denied);
    row("", "open", R, Decision::Allowed);
    row("", "open", C, Decision::Denied);
    row("stranger", "open", R, Decision::Allowed); // credentials never take rights away
    row("stranger", "open", C, Decision::Denied);
    row("reader", "nowhere", R, Decision::UnknownApplication);
    row("", "nowhere", C, Decision::UnknownApplication);
}

void TestAccessPolicy::check()
{
    QFETCH(QString, user);
    QFETCH(QString, application);
    QFETCH(Permission, permission);
    QFETCH(Decision, decision);
    const Identity identity = user.isEmpty() ? Identity::anonymousUser() : Identity::named(user);
    QCOMPARE(policy().check(identity, application, permission), decision);
}

void TestAccessPolicy::hasAnyAccess()
{
    AccessPolicy p = policy();
    QVERIFY(p.hasAnyAccess(Identity::named(QStringLiteral("dave"))));
    QVERIFY(p.hasAnyAccess(Identity::named(QStringLiteral("stranger")))); // "open" is public
    p.setApplication(QStringLiteral("open"), {});                         // not any more
    QVERIFY(!p.hasAnyAccess(Identity::named(QStringLiteral("stranger"))));
    QVERIFY(!p.hasAnyAccess(Identity::anonymousUser()));
    QVERIFY(p.hasAnyAccess(Identity::named(QStringLiteral("publisher"))));
    QVERIFY(!AccessPolicy().hasAnyAccess(Identity::named(QStringLiteral("dave"))));
}

void TestAccessPolicy::connectRefusedWithoutAnyAccess()
{
    AccessPolicy p = policy();
    p.setApplication(QStringLiteral("open"), {});
    AcceptingVerifier keys;
    CredentialAuthenticator authenticator;
    authenticator.setApiKeyVerifier(&keys);
    authenticator.setAccessPolicy(&p);
    QObject context;
    const auto connect = [&](const char *user, const char *password) {
        Credentials credentials;
        if (user)
            credentials.username = QByteArray(user);
        if (password)
            credentials.password = QByteArray(password);
        std::optional<AuthVerdict> verdict;
        authenticator.authenticate(credentials, &context, [&](const AuthVerdict &v) { verdict = v; });
        return *verdict;
    };
    QCOMPARE(connect("reader", "key").status, AuthVerdict::Status::Accepted);
    const AuthVerdict refused = connect("stranger", "key");
    QCOMPARE(refused.status, AuthVerdict::Status::NotAuthorized);
    QVERIFY2(refused.message.contains(QLatin1String("stranger")), qPrintable(refused.message));
    QVERIFY(!refused.message.contains(QLatin1String("key")));
    // Anonymous clients are let in as before (Drogue does); the policy refuses them later.
    QCOMPARE(connect(nullptr, nullptr).status, AuthVerdict::Status::Accepted);
    // A key without its user name is still refused with the message that says so.
    const AuthVerdict bare = connect(nullptr, "drv_0123456789ab_secret");
    QCOMPARE(bare.status, AuthVerdict::Status::BadCredentials);
    QVERIFY(bare.message.contains(QLatin1String("an API key needs its user name too")));
    // A reload that makes the user a member counts from the next CONNECT.
    AccessPolicy::ApplicationRules rules;
    rules.members.insert(QStringLiteral("stranger"), Role::Publisher);
    p.setApplication(QStringLiteral("c"), rules);
    QCOMPARE(connect("stranger", "key").status, AuthVerdict::Status::Accepted);
}

QTEST_GUILESS_MAIN(TestAccessPolicy)
#include "tst_accesspolicy.moc"
