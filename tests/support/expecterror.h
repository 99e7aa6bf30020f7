#pragma once
// Checking that a call is refused: the model's calls report a refusal by throwing model::Error
// with a message for the user.

#include "errors.h"

#include <QString>
#include <QtTest>

#include <optional>

namespace chorus::test {

/// The message of the model::Error that fn() throws; nullopt when fn() returns.
template <typename F>
std::optional<QString> errorOf(F&& fn)
{
    try {
        fn();
    } catch (const model::Error& e) {
        return e.message();
    }
    return std::nullopt;
}

} // namespace chorus::test

/// Fails the test function unless `call` throws a model::Error whose message contains
/// `fragment` (the message is shown when it does not).
#define EXPECT_ERROR(call, fragment)                                                               \
    do {                                                                                           \
        const std::optional<QString> expect_error_ = ::chorus::test::errorOf([&] { call; });       \
        QVERIFY2(expect_error_.has_value(), "no error from " #call);                               \
        QVERIFY2(expect_error_->contains(fragment), qPrintable(*expect_error_));                   \
    } while (false)
