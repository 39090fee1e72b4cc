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
