from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from portal.content.forms import ArticleForm
from portal.content.models import Article, ArticleVersion, Tag
from portal.content.selectors import articles_due_for_review, library_changed
from portal.content.services import (
    article_archive,
    article_preview,
    article_publish,
    article_save,
    article_submit_for_review,
)
from portal.content.views import article_context
from portal.lib.formats import day


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "article_count"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("articles", distinct=True))

    @admin.display(description=gettext_lazy("articles"), ordering="n")
    def article_count(self, tag):
        return tag.n

    # A tag's slug is what pages ask the library for: the kept "Read more" links follow it.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(library_changed)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(library_changed)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(library_changed)


class ReviewDueFilter(admin.SimpleListFilter):
    title = gettext_lazy("review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("due", _("Past the review date"))]

    def queryset(self, request, queryset):
        if self.value() == "due":
            due = articles_due_for_review(today=timezone.localdate())
            return queryset.filter(pk__in=due.values("pk"))
        return queryset


class ArticleVersionInline(admin.TabularInline):
    model = ArticleVersion
    fk_name = "article"
    verbose_name_plural = gettext_lazy("Published versions")
    fields = ["number", "title", "published_at", "published_by", "clinical_reviewer"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    form = ArticleForm
    change_form_template = "content/admin/article_change_form.html"
    change_list_template = "content/admin/article_change_list.html"
    list_display = [
        "title",
        "language",
        "status",
        "audience",
        "live_version_number",
        "next_review",
    ]
    list_filter = ["language", "status", "audience", ReviewDueFilter, "tags"]
    search_fields = ["title", "slug", "summary"]
    list_select_related = ["live_version"]
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ["tags"]
    readonly_fields = ["status", "live_version"]
    inlines = [ArticleVersionInline]
    actions = ["send_for_review", "publish_selected", "archive_selected"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body"]}),
        (gettext_lazy("Readers and links"), {"fields": ["audience", "tags", "sources"]}),
        (
            gettext_lazy("Review"),
            {"fields": ["author", "clinical_reviewer", "last_reviewed", "status", "live_version"]},
        ),
    ]

    def view_on_site(self, article):
        # Only a live article has a page readers can open.
        return article.get_absolute_url() if article.is_live else None

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", view(self.preview_view), name="content_article_preview"),
            path("<int:pk>/publish/", view(self.publish_view), name="content_article_publish"),
            *super().get_urls(),
        ]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # archive instead; versions are the record
        return actions

    def has_delete_permission(self, request, obj=None):
        # A draft that was never published may go; anything readers saw is archived instead.
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or not obj.versions.exists())

    def save_model(self, request, obj, form, change):
        article_save(article=obj, by=request.user, content_changed=form.has_changed())

    @admin.display(description=gettext_lazy("live"), ordering="live_version__number")
    def live_version_number(self, article):
        return f"v{article.live_version.number}" if article.is_live else "—"

    @admin.display(description=gettext_lazy("next review"))
    def next_review(self, article):
        months = settings.CONTENT_REVIEW_MONTHS
        due = article.review_due_on(months=months)
        if due is None:
            return "—"
        if article.is_review_overdue(today=timezone.localdate(), months=months):
            return format_html("<strong>{}</strong> ({})", day(due), _("overdue"))
        return day(due)

    def changelist_view(self, request, extra_context=None):
        overdue = articles_due_for_review(today=timezone.localdate()).count()
        extra_context = {**(extra_context or {}), "overdue_count": overdue}
        return super().changelist_view(request, extra_context)

    def _article_or_404(self, request, pk):
        article = self.get_object(request, str(pk))
        if article is None:
            raise Http404
        return article

    def preview_view(self, request, pk):
        article = self._article_or_404(request, pk)
        context = article_context(request.user, article, article_preview(article))
        return render(request, "content/article.html", {**context, "preview": True})

    def publish_view(self, request, pk):
        article = self._article_or_404(request, pk)
        if request.method == "POST":
            try:
                version = article_publish(article=article, by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Version %(n)s is live.") % {"n": version.number})
            return redirect("admin:content_article_change", article.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "article": article,
            "next_number": article_preview(article).number,
            "title": _("Publish “%(title)s”") % {"title": article.title},
        }
        return render(request, "content/admin/publish_confirm.html", context)

    def _each(self, request, queryset, service, done_message):
        done = 0
        for article in queryset:
            try:
                service(article=article, by=request.user)
            except ValidationError as error:
                messages.error(request, f"{article.title}: {' '.join(error.messages)}")
            else:
                done += 1
        if done:
            messages.success(request, done_message(done))

    @admin.action(description=gettext_lazy("Send selected drafts for review"))
    def send_for_review(self, request, queryset):
        self._each(
            request,
            queryset,
            article_submit_for_review,
            lambda n: (
                ngettext("%d article sent for review.", "%d articles sent for review.", n) % n
            ),
        )

    @admin.action(description=gettext_lazy("Publish selected articles"))
    def publish_selected(self, request, queryset):
        self._each(
            request,
            queryset,
            article_publish,
            lambda n: ngettext("%d article published.", "%d articles published.", n) % n,
        )

    @admin.action(description=gettext_lazy("Archive selected articles"))
    def archive_selected(self, request, queryset):
        self._each(
            request,
            queryset,
            article_archive,
            lambda n: ngettext("%d article archived.", "%d articles archived.", n) % n,
        )
