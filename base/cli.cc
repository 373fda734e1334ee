#include "base/cli.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/interrupts.h"

namespace fairport {
namespace {

std::string& ToolName() {
  static std::string name = "fairport";
  return name;
}

void SetToolName(const char* argv0) {
  std::string tool = argv0 == nullptr ? "fairport" : argv0;
  ToolName() = tool.substr(tool.find_last_of('/') + 1);
}

[[noreturn]] void ExitOnException(const char* what) {
  std::string message = absl::StrReplaceAll(what, {{"\n", " "}});
  std::fprintf(stderr, "%s: error: internal error: %s\n", ToolName().c_str(),
               message.c_str());
  std::fflush(stderr);
  RemoveStagedOutputsAndExit(kExitBadInput);
}

}  // namespace

int RunTool(int argc, char** argv, int (*main)(int, char**)) {
  SetToolName(argc > 0 ? argv[0] : nullptr);
  // An exception escaping another thread ends in std::terminate.
  std::set_terminate([] {
    std::exception_ptr current = std::current_exception();
    try {
      if (current) std::rethrow_exception(current);
    } catch (const std::exception& e) {
      ExitOnException(e.what());
    } catch (...) {
    }
    ExitOnException("terminated by an unexpected exception");
  });
  HandleInterrupts();
  try {
    return main(argc, argv);
  } catch (const std::exception& e) {
    ExitOnException(e.what());
  } catch (...) {
    ExitOnException("an exception of unknown type");
  }
}

void ExitBadUsage(absl::string_view problem) {
  std::fprintf(stderr, "%s: usage: %s\n", ToolName().c_str(),
               std::string(problem).c_str());
  std::exit(kExitBadUsage);
}

std::vector<std::string> ParseFlagsOrExit(int argc, char** argv,
                                          absl::string_view usage) {
  SetToolName(argv[0]);
  absl::SetProgramUsageMessage(usage);
  // absl exits 1 on a bad flag; check names and bool values first so that
  // bad usage exits 2 as the house rules say.
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::StartsWith(arg, "-") || arg == "-") continue;
    absl::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    absl::string_view name = body.substr(0, body.find('='));
    if (name == "help" || name == "helpfull" || name == "version" ||
        name == "helpshort")
      continue;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::StartsWith(name, "no")) {
      flag = absl::FindCommandLineFlag(name.substr(2));
      if (flag == nullptr || !flag->IsOfType<bool>()) flag = nullptr;
    }
    if (flag == nullptr) ExitBadUsage(absl::StrCat("unknown flag --", name));
    bool inline_value = body.find('=') != absl::string_view::npos;
    if (!flag->IsOfType<bool>() && !inline_value && i + 1 >= argc) {
      ExitBadUsage(absl::StrCat("--", name, " needs a value"));
    }
    if (flag->IsOfType<bool>() && inline_value) {
      absl::string_view value = body.substr(body.find('=') + 1);
      if (value != "true" && value != "false" && value != "1" && value != "0") {
        ExitBadUsage(absl::StrCat("--", name, " takes true or false, not '",
                                  value, "'"));
      }
    }
    if (!flag->IsOfType<bool>() && !inline_value) ++i;
  }
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  return std::vector<std::string>(positional.begin() + 1, positional.end());
}

int ReportError(const absl::Status& status) {
  std::string message = absl::StrReplaceAll(status.message(), {{"\n", " "}});
  // Every error the tools make names its file; one without a message came
  // from somewhere that forgot to, and the line must still say something.
  if (message.empty()) {
    message = absl::StrCat(absl::StatusCodeToString(status.code()),
                           " error without a message");
  }
  std::fprintf(stderr, "%s: error: %s\n", ToolName().c_str(), message.c_str());
  return kExitBadInput;
}

}  // namespace fairport
