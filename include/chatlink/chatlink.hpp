//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_CHATLINK_HPP
#define CHATLINK_CHATLINK_HPP

#include <chatlink/client.hpp>
#include <chatlink/client_options.hpp>
#include <chatlink/config.hpp>
#include <chatlink/credential_store.hpp>
#include <chatlink/delivery.hpp>
#include <chatlink/error.hpp>
#include <chatlink/reconnect_policy.hpp>
#include <chatlink/state.hpp>
#include <chatlink/subscription.hpp>
#include <chatlink/url.hpp>

#endif
