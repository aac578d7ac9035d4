// ApiKeyStore: key text and ids, the file format both ways, atomic private writes,
// expiry and revocation, and clear errors for files that are not key files.
#include "auth/apikeystore.h"
#include "registry/passwordhasher.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace drover;
using namespace drover::auth;

namespace {

const QDateTime Now = QDateTime(QDate(2025, 5, 1), QTime(10, 0), Qt::UTC);

int modeOf(const QString &path)
{
    struct stat info;
    return ::stat(QFile::encodeName(path).constData(), &info) == 0 ? int(info.st_mode & 07777) : -1;
}

} // namespace

class TestApiKeyStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void createMakesAKeyOnlyItsHashIsKept();
    void idOf_data();
    void idOf();
    void roundTrip();
    void states();
    void revoke();
    void saveIsPrivateAndAtomic();
    void saveReplacesALooserMode();
    void missingFileIsEmpty();
    void badFiles_data();
    void badFiles();
};

void TestApiKeyStore::createMakesAKeyOnlyItsHashIsKept()
{
    ApiKeyStore store;
    QString error;
    const QByteArray key =
        store.create(QStringLiteral("alice"), QDateTime(), QStringLiteral("ci"), Now, &error);
    QVERIFY2(!key.isEmpty(), qPrintable(error));
    QVERIFY2(QRegularExpression(QStringLiteral("^drv_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$"))
                 .match(QString::fromLatin1(key))
                 .hasMatch(),
             key.constData());
    QCOMPARE(store.keys().size(), 1);
    const ApiKey &record = store.keys().first();
    QCOMPARE(ApiKeyStore::idOf(key), std::optional<QString>(record.id));
    QCOMPARE(record.user, QStringLiteral("alice"));
    QCOMPARE(record.label, QStringLiteral("ci"));
    QCOMPARE(record.created, Now);
    QVERIFY(!record.expires.isValid());
    QVERIFY(!record.revoked.isValid());
    // Argon2id at the minimum cost: a key has full entropy.
    QVERIFY2(record.hash.startsWith("$argon2id$v=19$m=8,t=1,p=1$"), record.hash.constData());
    QVERIFY(registry::PasswordHasher::verify(record.hash, key));
    QVERIFY(!registry::PasswordHasher::verify(record.hash, key + 'x'));
    // The file holds neither the key nor its secret part.
    const QByteArray json = store.toJson();
    QVERIFY(!json.contains(key));
    QVERIFY(!json.contains(key.mid(17)));
    // Every key is new.
    const QByteArray second = store.create(QStringLiteral("alice"), QDateTime(), QString(), Now, &error);
    QVERIFY(second != key);
    QVERIFY(store.keys().at(0).id != store.keys().at(1).id);
}

void TestApiKeyStore::idOf_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QString>("id");
    QTest::newRow("key") << QByteArray("drv_0123456789ab_secret") << QStringLiteral("0123456789ab");
    QTest::newRow("underscore in secret")
        << QByteArray("drv_0123456789ab_se_c-ret") << QStringLiteral("0123456789ab");
    QTest::newRow("no secret") << QByteArray("drv_0123456789ab_") << QString();
    QTest::newRow("short id") << QByteArray("drv_0123456789a_secret") << QString();
    QTest::newRow("upper case id") << QByteArray("drv_0123456789AB_secret") << QString();
    QTest::newRow("prefix") << QByteArray("key_0123456789ab_secret") << QString();
    QTest::newRow("password") << QByteArray("secret") << QString();
    QTest::newRow("empty") << QByteArray() << QString();
}

void TestApiKeyStore::idOf()
{
    QFETCH(QByteArray, key);
    QFETCH(QString, id);
    const std::optional<QString> got = ApiKeyStore::idOf(key);
    if (id.isEmpty())
        QVERIFY(!got);
    else
        QCOMPARE(got, std::optional<QString>(id));
}

void TestApiKeyStore::roundTrip()
{
    ApiKeyStore store;
    QString error;
    store.create(QStringLiteral("alice"), Now.addDays(30), QStringLiteral("laptop"), Now, &error);
    store.create(QStringLiteral("bob@example.com"), QDateTime(), QString(), Now, &error);
    QCOMPARE(store.revoke(store.keys().at(1).id, Now.addSecs(5)), ApiKeyStore::RevokeResult::Revoked);
    const std::optional<ApiKeyStore> read =
        ApiKeyStore::fromJson(store.toJson(), QStringLiteral("k.json"), &error);
    QVERIFY2(read, qPrintable(error));
    QCOMPARE(read->keys(), store.keys());
    QCOMPARE(read->keys().at(0).expires, Now.addDays(30));
    QCOMPARE(read->keys().at(1).revoked, Now.addSecs(5));
}

void TestApiKeyStore::states()
{
    ApiKey key;
    key.created = Now;
    QCOMPARE(key.state(Now.addYears(10)), ApiKey::State::Active);
    key.expires = Now.addSecs(60);
    QCOMPARE(key.state(Now.addSecs(59)), ApiKey::State::Active);
    QCOMPARE(key.state(Now.addSecs(60)), ApiKey::State::Expired);
    key.revoked = Now.addSecs(1);
    QCOMPARE(key.state(Now.addSecs(2)), ApiKey::State::Revoked);
    QCOMPARE(key.state(Now.addSecs(100)), ApiKey::State::Revoked); // revoked wins
    QCOMPARE(ApiKey::stateName(ApiKey::State::Expired), QStringLiteral("expired"));
}

void TestApiKeyStore::revoke()
{
    ApiKeyStore store;
    QString error;
    for (const char *user : {"alice", "alice", "bob"})
        store.create(QString::fromLatin1(user), QDateTime(), QString(), Now, &error);
    const QString first = store.keys().at(0).id;
    QCOMPARE(store.revoke(first, Now), ApiKeyStore::RevokeResult::Revoked);
    QCOMPARE(store.revoke(first, Now.addSecs(9)), ApiKeyStore::RevokeResult::AlreadyRevoked);
    QCOMPARE(store.find(first)->revoked, Now); // the first revocation's time stays
    QCOMPARE(store.revoke(QStringLiteral("000000000000"), Now), ApiKeyStore::RevokeResult::Unknown);
    QCOMPARE(store.revokeUser(QStringLiteral("alice"), Now), 1); // the one left
    QCOMPARE(store.revokeUser(QStringLiteral("alice"), Now), 0);
    QCOMPARE(store.keys().at(2).state(Now), ApiKey::State::Active); // bob's
}

void TestApiKeyStore::saveIsPrivateAndAtomic()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dir = tmp.filePath(QStringLiteral("a/state"));
    const QString path = ApiKeyStore::filePath(dir);
    QCOMPARE(path, dir + QStringLiteral("/api-keys.json"));
    ApiKeyStore store;
    QString error;
    store.create(QStringLiteral("alice"), QDateTime(), QString(), Now, &error);
    QVERIFY2(store.save(path, &error), qPrintable(error));
    QCOMPARE(modeOf(dir), 0700);
    QCOMPARE(modeOf(path), 0600);
    // Only the file: the temporary file was renamed over it.
    QCOMPARE(QDir(dir).entryList(QDir::Files | QDir::Hidden), QStringList{QStringLiteral("api-keys.json")});
    const std::optional<ApiKeyStore> read = ApiKeyStore::load(path, &error);
    QVERIFY2(read, qPrintable(error));
    QCOMPARE(read->keys(), store.keys());
    // A second save replaces the file (a new inode: readers see old or new, never a part).
    struct stat before;
    QCOMPARE(::stat(QFile::encodeName(path).constData(), &before), 0);
    store.create(QStringLiteral("bob"), QDateTime(), QString(), Now, &error);
    QVERIFY(store.save(path, &error));
    struct stat after;
    QCOMPARE(::stat(QFile::encodeName(path).constData(), &after), 0);
    QVERIFY(before.st_ino != after.st_ino);
    QCOMPARE(ApiKeyStore::load(path, &error)->keys().size(), 2);
}

void TestApiKeyStore::saveReplacesALooserMode()
{
    QTemporaryDir tmp;
    const QString path = ApiKeyStore::filePath(tmp.path());
    QString error;
    QVERIFY(ApiKeyStore().save(path, &error));
    QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther));
    QCOMPARE(modeOf(path), 0604);
    QVERIFY(ApiKeyStore().save(path, &error));
    QCOMPARE(modeOf(path), 0600);
}

void TestApiKeyStore::missingFileIsEmpty()
{
    QTemporaryDir tmp;
    QString error;
    const std::optional<ApiKeyStore> store =
        ApiKeyStore::load(tmp.filePath(QStringLiteral("api-keys.json")), &error);
    QVERIFY2(store, qPrintable(error));
    QVERIFY(store->keys().isEmpty());
}

void TestApiKeyStore::badFiles_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
#define HASH "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"
#define KEY(id, user)                                                                                        \
    "{\"id\": \"" id "\", \"user\": \"" user "\", \"hash\": \"" HASH                                         \
    "\", \"created\": \"2025-05-01T10:00:00Z\"}"
    QTest::newRow("truncated") << QByteArray("{\"version\": 1,\n \"keys\": [") << QStringLiteral("k.json:2:");
    QTest::newRow("garbage") << QByteArray("\x01\x02") << QStringLiteral("k.json:1:2: not valid JSON");
    QTest::newRow("array") << QByteArray("[]") << QStringLiteral("k.json: not an API key file");
    QTest::newRow("no keys") << QByteArray("{\"version\": 1}")
                             << QStringLiteral("k.json: not an API key file");
    QTest::newRow("newer") << QByteArray("{\"version\": 2, \"keys\": []}")
                           << QStringLiteral("k.json: version: expected 1 (this file was written by a newer");
    QTest::newRow("no version") << QByteArray("{\"keys\": []}")
                                << QStringLiteral("k.json: version: expected 1");
    QTest::newRow("bad id") << QByteArray("{\"version\": 1, \"keys\": [" KEY("xyz", "alice") "]}")
                            << QStringLiteral("k.json: keys[0].id: expected 12 lowercase hexadecimal digits");
    QTest::newRow("bad user") << QByteArray("{\"version\": 1, \"keys\": [" KEY("0123456789ab", "al ice") "]}")
                              << QStringLiteral(
                                     "k.json: keys[0].user: user name \"al ice\" contains whitespace");
    QTest::newRow("duplicate") << QByteArray("{\"version\": 1, \"keys\": [" KEY("0123456789ab", "a") ", " KEY(
                                      "0123456789ab", "b") "]}")
                               << QStringLiteral("k.json: keys[1].id: duplicate id 0123456789ab");
    QTest::newRow("bad hash") << QByteArray(
                                     "{\"version\": 1, \"keys\": [{\"id\": \"0123456789ab\", \"user\": "
                                     "\"a\", \"hash\": \"drv_0123456789ab_plaintext\", \"created\": "
                                     "\"2025-05-01T10:00:00Z\"}]}")
                              << QStringLiteral("k.json: keys[0].hash: not an Argon2 hash string");
    QTest::newRow("bad time") << QByteArray(
                                     "{\"version\": 1, \"keys\": [{\"id\": \"0123456789ab\", \"user\": "
                                     "\"a\", \"hash\": \"" HASH "\", \"created\": \"yesterday\"}]}")
                              << QStringLiteral("k.json: keys[0].created: expected an RFC 3339 time");
    QTest::newRow("no created") << QByteArray(
                                       "{\"version\": 1, \"keys\": [{\"id\": \"0123456789ab\", \"user\": "
                                       "\"a\", \"hash\": \"" HASH "\"}]}")
                                << QStringLiteral("k.json: keys[0].created: missing");
#undef KEY
#undef HASH
}

void TestApiKeyStore::badFiles()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    QString message;
    QVERIFY(!ApiKeyStore::fromJson(json, QStringLiteral("k.json"), &message));
    QVERIFY2(message.startsWith(error), qPrintable(message));
    QVERIFY2(!message.contains(QLatin1String("plaintext")), qPrintable(message)); // never quotes a hash
    // The same through a file: the message names the file.
    QTemporaryDir tmp;
    const QString path = tmp.filePath(QStringLiteral("api-keys.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(json);
    file.close();
    QVERIFY(!ApiKeyStore::load(path, &message));
    QVERIFY2(message.startsWith(path), qPrintable(message));
}

QTEST_GUILESS_MAIN(TestApiKeyStore)
#include "tst_apikeystore.moc"
