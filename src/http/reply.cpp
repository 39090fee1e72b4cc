#include "http/reply.hpp"

#include "json/serialize.hpp"

namespace atelier::http {

Reply json_error(int status, std::string_view message) {
  Reply reply;
  reply.status = status;
  reply.body = json::write_error(message);
  return reply;
}

}  // namespace atelier::http

namespace atelier::http {

OwnedRequest::OwnedRequest(const RequestView& view) : view_(view) {
  // One allocation for every field; the views are re-pointed into it.
  std::size_t size = view.method_name.size() + view.path.size() + view.body.size();
  const auto optional_size = [&](const std::optional<std::string_view>& field) {
    if (field) size += field->size();
  };
  optional_size(view.page);
  optional_size(view.count);
  optional_size(view.authorization);
  optional_size(view.cookie);
  optional_size(view.if_none_match);
  optional_size(view.accept_encoding);
  optional_size(view.content_type);
  optional_size(view.idempotency_key);
  optional_size(view.forwarded_proto);
  optional_size(view.request_id);
  storage_.reserve(size);
  const auto keep = [&](std::string_view text) {
    const std::size_t at = storage_.size();
    storage_.append(text);
    return at;
  };
  // Offsets first (appending never reallocates: the size was reserved), views after.
  struct Field {
    std::size_t at;
    std::size_t size;
  };
  const auto keep_field = [&](std::string_view text) { return Field{keep(text), text.size()}; };
  const Field method_name = keep_field(view.method_name);
  const Field path = keep_field(view.path);
  const Field body = keep_field(view.body);
  const auto keep_optional = [&](const std::optional<std::string_view>& field) {
    return field ? std::optional<Field>(keep_field(*field)) : std::nullopt;
  };
  const auto page = keep_optional(view.page);
  const auto count = keep_optional(view.count);
  const auto authorization = keep_optional(view.authorization);
  const auto cookie = keep_optional(view.cookie);
  const auto if_none_match = keep_optional(view.if_none_match);
  const auto accept_encoding = keep_optional(view.accept_encoding);
  const auto content_type = keep_optional(view.content_type);
  const auto idempotency_key = keep_optional(view.idempotency_key);
  const auto forwarded_proto = keep_optional(view.forwarded_proto);
  const auto request_id = keep_optional(view.request_id);
  const auto at = [&](Field f) { return std::string_view(storage_.data() + f.at, f.size); };
  const auto at_optional = [&](const std::optional<Field>& f) {
    return f ? std::optional<std::string_view>(at(*f)) : std::nullopt;
  };
  view_.method_name = at(method_name);
  view_.path = at(path);
  view_.body = at(body);
  view_.page = at_optional(page);
  view_.count = at_optional(count);
  view_.authorization = at_optional(authorization);
  view_.cookie = at_optional(cookie);
  view_.if_none_match = at_optional(if_none_match);
  view_.accept_encoding = at_optional(accept_encoding);
  view_.content_type = at_optional(content_type);
  view_.idempotency_key = at_optional(idempotency_key);
  view_.forwarded_proto = at_optional(forwarded_proto);
  view_.request_id = at_optional(request_id);
}

}  // namespace atelier::http
