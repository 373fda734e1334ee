#include "base/cli.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace fairport {
namespace {

std::string& ToolName() {
  static std::string name = "fairport";
  return name;
}

}  // namespace

void ExitBadUsage(absl::string_view problem) {
  std::fprintf(stderr, "%s: usage: %s\n", ToolName().c_str(),
               std::string(problem).c_str());
  std::exit(kExitBadUsage);
}

std::vector<std::string> ParseFlagsOrExit(int argc, char** argv,
                                          absl::string_view usage) {
  std::string tool = argv[0];
  ToolName() = tool.substr(tool.find_last_of('/') + 1);
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
  std::fprintf(stderr, "%s: error: %s\n", ToolName().c_str(), message.c_str());
  return kExitBadInput;
}

}  // namespace fairport
