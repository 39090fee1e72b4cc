// Response heads written by the host itself (http/wire.*): exact bytes for the reply shapes the
// service sends.
#include "http/wire.hpp"

#include <gtest/gtest.h>

#include <string>

using atelier::http::Reply;
using atelier::http::response_body;
using atelier::http::response_head;

TEST(Wire, ProductReplyHead) {
  Reply reply;
  reply.body = R"({"id":1})";
  reply.etag = "\"abc\"";
  reply.cache_control = "public, max-age=60";
  EXPECT_EQ(response_head(reply, false, true),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            "Content-Length: 8\r\n"
            "ETag: \"abc\"\r\n"
            "Cache-Control: public, max-age=60\r\n"
            "Access-Control-Allow-Origin: *\r\n"
            "Connection: keep-alive\r\n"
            "\r\n");
  EXPECT_EQ(response_body(reply), R"({"id":1})");
}

TEST(Wire, CompressedProductReplyHead) {
  Reply reply;
  reply.body = "\x1f\x8b";
  reply.etag = "\"abc-gzip\"";
  reply.content_encoding = "gzip";
  reply.vary = "Accept-Encoding";
  reply.cache_control = "public, max-age=60";
  EXPECT_EQ(response_head(reply, false, true),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            "Content-Length: 2\r\n"
            "Content-Encoding: gzip\r\n"
            "Vary: Accept-Encoding\r\n"
            "ETag: \"abc-gzip\"\r\n"
            "Cache-Control: public, max-age=60\r\n"
            "Access-Control-Allow-Origin: *\r\n"
            "Connection: keep-alive\r\n"
            "\r\n");
}

TEST(Wire, NotModifiedKeepsVaryAndETag) {
  Reply reply;
  reply.status = 304;
  reply.no_body = true;
  reply.etag = "\"abc-gzip\"";
  reply.vary = "Accept-Encoding";
  const std::string head = response_head(reply, false, true);
  EXPECT_NE(head.find("\r\nVary: Accept-Encoding\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nETag: \"abc-gzip\"\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(response_body(reply), "");
}

TEST(Wire, VersionAndConnection) {
  Reply reply;
  reply.status = 404;
  reply.body = "{}";
  const std::string http10 = response_head(reply, true, false);
  EXPECT_EQ(http10.rfind("HTTP/1.0 404 Not Found\r\n", 0), 0u) << http10;
  EXPECT_NE(http10.find("\r\nConnection: close\r\n"), std::string::npos);
  const std::string unparsed = response_head(reply, false, std::nullopt);
  EXPECT_EQ(unparsed.find("Connection:"), std::string::npos);
  EXPECT_TRUE(unparsed.ends_with("\r\n\r\n"));
}

TEST(Wire, NotModifiedAndPreflightHaveNoLengthAndNoBody) {
  Reply not_modified;
  not_modified.status = 304;
  not_modified.body = "ignored";
  not_modified.etag = "\"abc\"";
  not_modified.no_body = true;
  const std::string head = response_head(not_modified, false, true);
  EXPECT_EQ(head.rfind("HTTP/1.1 304 Not Modified\r\n", 0), 0u);
  EXPECT_EQ(head.find("Content-Length"), std::string::npos);
  EXPECT_NE(head.find("\r\nETag: \"abc\"\r\n"), std::string::npos);
  EXPECT_TRUE(response_body(not_modified).empty());

  Reply preflight;
  preflight.status = 204;
  preflight.no_body = true;
  preflight.allow = "GET, OPTIONS";
  const std::string options = response_head(preflight, false, true);
  EXPECT_EQ(options.find("Content-Length"), std::string::npos);
  EXPECT_NE(options.find("\r\nAllow: GET, OPTIONS\r\n"), std::string::npos);
  EXPECT_NE(options.find("\r\nAccess-Control-Allow-Methods: GET, POST, OPTIONS\r\n"),
            std::string::npos);
  EXPECT_NE(options.find("\r\nAccess-Control-Max-Age: 86400\r\n"), std::string::npos);
}

TEST(Wire, BodylessErrorStillSaysLengthZero) {
  Reply bare;
  bare.status = 500;
  bare.no_body = true;
  const std::string head = response_head(bare, false, std::nullopt);
  EXPECT_EQ(head.rfind("HTTP/1.1 500 Internal Server Error\r\n", 0), 0u);
  EXPECT_NE(head.find("\r\nContent-Length: 0\r\n"), std::string::npos);
}

TEST(Wire, CartAndUnavailableHeaders) {
  Reply created;
  created.status = 201;
  created.body = "Created";
  created.set_cookie = "session=abc; Path=/";
  const std::string head = response_head(created, false, true);
  EXPECT_NE(head.find("HTTP/1.1 201 Created\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nSet-Cookie: session=abc; Path=/\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nContent-Length: 7\r\n"), std::string::npos);

  Reply unavailable;
  unavailable.status = 503;
  unavailable.body = "{}";
  unavailable.retry_after_seconds = 2;
  EXPECT_NE(response_head(unavailable, false, true).find("\r\nRetry-After: 2\r\n"),
            std::string::npos);
}
